"""Taking a quiz and seeing the result."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curriculum.content import catalog
from curriculum.forms.quiz import QuizForm
from curriculum.i18n import current_locale
from curriculum.permissions import can_learn
from curriculum.services import grading, quizzes
from curriculum.views.decorators import require

bp = Blueprint("quiz", __name__, url_prefix="/quiz")


def _quiz_or_404(quiz_key: str):
    quiz = catalog().quiz(quiz_key)
    if quiz is None or quiz.kind != "module":
        abort(404)
    return quiz


def _answers(quiz) -> dict[str, list[str]]:
    return {q.key: request.form.getlist(f"q-{q.key}")[:20] for q in quiz.questions}


@bp.route("/<quiz_key>", methods=["GET", "POST"])
@require(can_learn)
def take(quiz_key: str):
    """Show a quiz, and grade it when submitted (once per form)."""
    quiz = _quiz_or_404(quiz_key)
    module = catalog().module(quiz.module_key)
    form = QuizForm()
    answers: dict[str, list[str]] = {}
    missing: set[str] = set()
    if form.validate_on_submit():
        answers = _answers(quiz)
        missing = {key for key, picked in answers.items() if not picked}
        if not missing:
            try:
                attempt, _created = quizzes.submit_attempt(
                    current_user,
                    quiz,
                    answers,
                    token=form.token.data,
                    locale=current_locale(),
                )
            except quizzes.AttemptRefused:
                flash(_("You cannot take this quiz again now."), "error")
                return redirect(url_for("quiz.take", quiz_key=quiz.key))
            return redirect(url_for("quiz.result", attempt_id=attempt.id))
        flash(_("Answer every question before you submit."), "error")
    elif request.method == "POST":
        answers = _answers(quiz)
    if not form.token.data:
        form.token.data = quizzes.new_attempt_token()
    allowed = quizzes.eligibility(current_user, quiz)
    return render_template(
        "quiz/take.html",
        quiz=quiz,
        module=module,
        form=form,
        allowed=allowed,
        answers=answers,
        missing=missing,
        seed=quizzes.seed_for(form.token.data),
        shuffled=quizzes.shuffled_choices,
    ), (400 if request.method == "POST" else 200)


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
