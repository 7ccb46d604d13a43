"""Taking a quiz or a pre/post measure, saving answers, and seeing the result."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from curriculum import errors
from curriculum.content import catalog
from curriculum.content.model import AttitudeSurvey
from curriculum.extensions import login_manager
from curriculum.forms.quiz import QuizForm
from curriculum.i18n import current_locale
from curriculum.permissions import can_learn
from curriculum.services import grading, narration, progress, quizzes, surveys
from curriculum.views.decorators import require

bp = Blueprint("quiz", __name__, url_prefix="/quiz")

STASH = "quiz_stash"  # answers kept in the session when a submission could not be taken
SITTINGS = (
    "quiz_sittings"  # the open sitting's token per quiz: a reload is the same sitting
)


def _quiz_or_404(quiz_key: str):
    quiz = catalog().quiz(quiz_key)
    if quiz is None or quiz.kind != "module":
        abort(404)
    return quiz


def posted_answers(quiz) -> dict[str, list[str]]:
    """Read a quiz's answers from the submitted form (at most 20 picks a question)."""
    return {q.key: request.form.getlist(f"q-{q.key}")[:20] for q in quiz.questions}


def stash_answers(quiz_key: str) -> None:
    """Keep a refused submission's answers in the session, to restore them."""
    quiz = catalog().quiz(quiz_key)
    token = request.form.get("token", "")[:64]
    if quiz is None or not token:
        return
    answers = quizzes.clean_answers(quiz, posted_answers(quiz))
    session[STASH] = {"quiz": quiz.key, "token": token, "answers": answers}


@bp.errorhandler(CSRFError)
def expired_form(exc):
    """A quiz can outlast its form: keep the answers and show the quiz again."""
    if request.endpoint == "quiz.take" and request.view_args:
        stash_answers(request.view_args["quiz_key"])
        return redirect(url_for("quiz.take", **request.view_args))
    return errors.expired_form()


def _unstash(quiz) -> dict | None:
    stash = session.get(STASH)
    if isinstance(stash, dict) and stash.get("quiz") == quiz.key:
        return stash
    return None


def _submit(quiz, answers: dict[str, list[str]], token: str):
    """Grade a complete sitting once and show its result."""
    try:
        attempt, _created = quizzes.submit_attempt(
            current_user,
            quiz,
            answers,
            token=token,
            locale=current_locale(),
            catalog=catalog(),
        )
    except quizzes.AttemptRefused:
        flash(_("You cannot take this quiz again now."), "error")
        return redirect(url_for("quiz.take", quiz_key=quiz.key))
    session.pop(STASH, None)
    sittings = dict(session.get(SITTINGS) or {})
    if sittings.pop(quiz.key, None) is not None:
        session[SITTINGS] = sittings
    return redirect(url_for("quiz.result", attempt_id=attempt.id))


def _resume(quiz, form: QuizForm) -> dict[str, list[str]]:
    """Return the answers to show again: stashed, saved as a draft, or none."""
    stash = _unstash(quiz)
    draft = quizzes.draft_for(current_user, quiz)
    if stash:
        form.token.data = stash["token"]
        flash(_("Your answers were kept. Check them and submit again."), "info")
        return stash["answers"]
    if draft:
        form.token.data = draft.token
        return draft.answers
    # A reload keeps the sitting: the same choice order, and the answers the phone
    # kept (static/quiz.js) come back.
    form.token.data = (session.get(SITTINGS) or {}).get(quiz.key)
    return {}


def _remember_sitting(quiz_key: str, token: str) -> None:
    """Keep the sitting's token in the session (the 20 latest quizzes)."""
    sittings = dict(session.get(SITTINGS) or {})
    if sittings.get(quiz_key) != token:
        sittings[quiz_key] = token
        session[SITTINGS] = dict(list(sittings.items())[-20:])


@bp.route("/<quiz_key>", methods=["GET", "POST"])
def take(quiz_key: str):
    """Show a quiz; save answers for later, or grade them once when submitted."""
    if not current_user.is_authenticated:
        if request.method == "POST":
            # The session ended mid-quiz: keep the answers for after sign-in.
            stash_answers(quiz_key)
        return login_manager.unauthorized()
    if not can_learn(current_user):
        abort(403)
    quiz = _quiz_or_404(quiz_key)
    module = catalog().module(quiz.module_key)
    locked = progress.missing_prerequisites(current_user, module)
    if locked:
        return render_template(
            "quiz/locked.html",
            module=module,
            locked=[catalog().module(key) for key in locked],
        ), (403 if request.method == "POST" else 200)
    form = QuizForm()
    answers: dict[str, list[str]] = {}
    missing: set[str] = set()
    status = 200
    if form.validate_on_submit():
        answers = posted_answers(quiz)
        if request.form.get("action") == "save":
            quizzes.save_draft(current_user, quiz, answers, form.token.data)
            flash(
                _("Your answers are saved. Finish the quiz when you are ready."), "info"
            )
            return redirect(url_for("quiz.take", quiz_key=quiz.key))
        missing = {key for key, picked in answers.items() if not picked}
        if not missing:
            return _submit(quiz, answers, form.token.data)
        flash(_("Answer every question before you submit."), "error")
        status = 400
    elif request.method == "POST":
        answers = posted_answers(quiz)
        status = 400
    else:
        answers = _resume(quiz, form)
    if not form.token.data:
        form.token.data = quizzes.new_attempt_token()
    _remember_sitting(quiz.key, form.token.data)
    return render_template(
        "quiz/take.html",
        quiz=quiz,
        module=module,
        form=form,
        allowed=quizzes.eligibility(current_user, quiz),
        answers=answers,
        missing=missing,
        seed=quizzes.seed_for(form.token.data),
        shuffled=quizzes.shuffled_choices,
        narrated=narration.for_quiz(quiz, current_locale()),
    ), status


@bp.route("/attempts/<int:attempt_id>")
@require(can_learn)
def result(attempt_id: int):
    """Show a submitted attempt: score, and each question explained."""
    attempt = quizzes.attempt_for(current_user, attempt_id) or abort(404)
    quiz = catalog().quiz(attempt.quiz_key) or abort(404)
    graded = grading.grade(quiz, attempt.answers)
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        quiz=quiz,
        module=catalog().module(quiz.module_key),
        graded=graded,
        results={r.key: r for r in graded.questions},
        allowed=quizzes.eligibility(current_user, quiz),
    )


def _offer_or_404(instrument: str, phase: str) -> surveys.Offer:
    for offer in surveys.offers(current_user, catalog()):
        if offer.instrument == instrument and offer.phase == phase:
            return offer
    abort(404)


@bp.route("/measure/<instrument>/<phase>", methods=["GET", "POST"])
@require(can_learn)
def measure(instrument: str, phase: str):
    """Take a knowledge test or the attitude survey, before or after the path."""
    offer = _offer_or_404(instrument, phase)
    measure = surveys.instrument(catalog(), instrument) or abort(404)
    attitude = isinstance(measure, AttitudeSurvey)
    form = QuizForm()
    answers: dict = {}
    missing: set[str] = set()
    if form.validate_on_submit():
        if attitude:
            answers = {
                item.key: request.form.get(f"q-{item.key}", "")[:16]
                for item in measure.items
            }
            missing = {key for key, value in answers.items() if not value}
        else:
            answers = posted_answers(measure)
            missing = {key for key, picked in answers.items() if not picked}
        if not missing:
            surveys.submit(
                current_user, catalog(), offer, answers, locale=current_locale()
            )
            flash(_("Thank you. Your answers are saved."), "info")
            return redirect(url_for("learn.home"))
        flash(_("Answer every question before you submit."), "error")
    if not form.token.data:
        form.token.data = quizzes.new_attempt_token()
    return render_template(
        "quiz/measure.html",
        offer=offer,
        measure=measure,
        attitude=attitude,
        form=form,
        answers=answers,
        missing=missing,
        seed=quizzes.seed_for(form.token.data),
        shuffled=quizzes.shuffled_choices,
    ), (400 if request.method == "POST" else 200)
