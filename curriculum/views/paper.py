"""Paper results typed in: module quiz sheets and pre/post measures."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curriculum.content import catalog
from curriculum.content.model import AttitudeSurvey, Quiz
from curriculum.extensions import db
from curriculum.forms.workshops import GotoForm, PaperForm
from curriculum.i18n import current_locale, khmer_digits, track_title
from curriculum.khmer import parse_int
from curriculum.models import User, Workshop
from curriculum.permissions import can_manage_workshops
from curriculum.services import surveys, workshops
from curriculum.views.decorators import require
from curriculum.views.workshop_messages import error_message
from curriculum.views.workshop_pages import (
    page_helpers,
    participant_or_404,
    refused,
    workshop_or_404,
)

bp = Blueprint("paper", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)
bp.register_error_handler(workshops.WorkshopError, refused)


def _quiz_of_workshop(workshop: Workshop, quiz_key: str):
    for module, quiz in workshops.workshop_quizzes(workshop, catalog()):
        if quiz.key == quiz_key:
            return module, quiz
    abort(404)


def _goto(endpoint: str, **values):
    """Open the entry of the participant whose number was typed (GET ?n=)."""
    if request.args.get("n") is None:
        return None
    number = parse_int(request.args.get("n"))
    if number is None:
        flash(_("Type the participant number written on the sheet."), "error")
        return None
    return redirect(url_for(endpoint, participant=number, **values))


@bp.route("/<int:workshop_id>/paper/<quiz_key>")
@require(can_manage_workshops)
def paper(workshop_id: int, quiz_key: str):
    """List the participants and whose paper quiz sheet is entered."""
    workshop = workshop_or_404(workshop_id)
    module, quiz = _quiz_of_workshop(workshop, quiz_key)
    jump = _goto("paper.paper_entry", workshop_id=workshop.id, quiz_key=quiz.key)
    if jump is not None:
        return jump
    people = workshops.roster(workshop)
    return render_template(
        "workshops/paper.html",
        workshop=workshop,
        module=module,
        quiz=quiz,
        people=people,
        entered=workshops.paper_attempts(workshop, quiz, people),
        goto=GotoForm(formdata=None),
    )


def _posted_answers(measure, attitude: bool) -> dict:
    if attitude:
        return {
            item.key: request.form.get(f"q-{item.key}", "")[:16]
            for item in measure.items
        }
    return {
        q.key: [key for key in request.form.getlist(f"q-{q.key}")[:20] if key]
        for q in measure.questions
    }


@dataclass(frozen=True)
class _Sheet:
    """The sheet an entry page is about, and the pages around it."""

    workshop: Workshop
    person: workshops.Participant
    measure: Quiz | AttitudeSurvey
    list_endpoint: str
    entry_endpoint: str
    values: dict

    @property
    def attitude(self) -> bool:
        return isinstance(self.measure, AttitudeSurvey)

    def list_url(self) -> str:
        return url_for(self.list_endpoint, workshop_id=self.workshop.id, **self.values)

    def next_url(self) -> str:
        """Return the next participant's entry, or the list after the last one."""
        following = workshops.participant_after(self.workshop, self.person.number)
        if following is None:
            return self.list_url()
        return url_for(
            self.entry_endpoint,
            workshop_id=self.workshop.id,
            participant=following.number,
            **self.values,
        )


def _entry_page(
    sheet: _Sheet, existing, shown: dict, enter, saved, correct=None, **page
):
    """Show a sheet's entry page; a POST saves it once with `enter(answers)`.

    `saved(record)` says what was saved; `correct(answers)`, when given, corrects a
    sheet entered before (it flashes and returns where to go); `page` is passed on to
    the template.
    """
    form = PaperForm()
    answers = shown
    status = 200
    correctable = (
        correct is not None
        and existing is not None
        and existing.mode == "paper"
        and sheet.workshop.closed_at is None
    )
    if request.method == "POST":
        workshops.check_open(sheet.workshop)
        answers = _posted_answers(sheet.measure, sheet.attitude)
        wants_correction = request.form.get("action") == "correct"
        if form.validate_on_submit() and any(answers.values()) and wants_correction:
            if correctable:
                return redirect(correct(answers))
            flash(_("Only a sheet entered on paper can be corrected."), "error")
            return redirect(sheet.list_url())
        if form.validate_on_submit() and any(answers.values()):
            try:
                record, created = enter(answers)
            except workshops.WorkshopError as error:
                flash(error_message(error), "error")
                return redirect(sheet.list_url())
            if created:
                flash(saved(record), "info")
            else:
                flash(
                    _(
                        "Sheet %(number)s was already entered. Nothing was changed.",
                        number=khmer_digits(sheet.person.number),
                    ),
                    "error",
                )
            return redirect(sheet.next_url())
        flash(_("No answer is ticked. Tick the answers written on the sheet."), "error")
        status = 400
    return render_template(
        "workshops/paper_entry.html",
        workshop=sheet.workshop,
        back=sheet.list_url(),
        measure=sheet.measure,
        attitude=sheet.attitude,
        person=sheet.person,
        existing=existing,
        entered_by=_entered_by(existing),
        answers=answers,
        form=form,
        correctable=correctable,
        **page,
    ), status


@bp.route(
    "/<int:workshop_id>/paper/<quiz_key>/<int:participant>", methods=["GET", "POST"]
)
@require(can_manage_workshops)
def paper_entry(workshop_id: int, quiz_key: str, participant: int):
    """Enter one participant's paper quiz sheet; it is graded like an online attempt."""
    workshop = workshop_or_404(workshop_id)
    module, quiz = _quiz_of_workshop(workshop, quiz_key)
    person = participant_or_404(workshop, participant)
    existing = workshops.paper_attempt(workshop, person.user, quiz)
    sheet = _Sheet(
        workshop,
        person,
        quiz,
        "paper.paper",
        "paper.paper_entry",
        {"quiz_key": quiz.key},
    )

    def enter(answers):
        return workshops.enter_paper_quiz(
            workshop,
            person.user,
            quiz,
            answers,
            current_user,
            locale=current_locale(),
            catalog=catalog(),
        )

    def correct(answers):
        done = workshops.correct_paper_quiz(
            workshop, person.user, quiz, answers, current_user, catalog=catalog()
        )
        _flash_correction(done, person.number)
        return sheet.list_url()

    return _entry_page(
        sheet,
        existing,
        existing.answers if existing else {},
        enter,
        lambda attempt: _(
            "Sheet %(number)s is saved: %(percent)s%%.",
            number=khmer_digits(person.number),
            percent=khmer_digits(round(attempt.percent)),
        ),
        correct=correct,
        title=module.title,
    )


def _flash_correction(done: workshops.Correction, number: int) -> None:
    if not done.changed:
        flash(
            _(
                "Sheet %(number)s is unchanged: the answers are the same.",
                number=khmer_digits(number),
            ),
            "info",
        )
        return
    flash(
        _(
            "Sheet %(number)s is corrected: %(percent)s%% (before: %(old)s%%).",
            number=khmer_digits(number),
            percent=khmer_digits(round(done.attempt.percent)),
            old=khmer_digits(round(done.old_percent)),
        ),
        "info",
    )
    for track in done.withdrawn:
        flash(
            _(
                "The certificate for %(track)s was withdrawn: a module it needs is "
                "no longer passed.",
                track=track_title(track),
            ),
            "error",
        )
    for track in done.restored:
        flash(
            _(
                "The certificate for %(track)s is valid again.",
                track=track_title(track),
            ),
            "info",
        )


def _entered_by(record):
    if record is None or record.entered_by_id is None:
        return None
    return db.session.get(User, record.entered_by_id)


def _measure_or_404(workshop: Workshop, instrument: str, phase: str):
    if phase not in surveys.PHASES:
        abort(404)
    people = workshops.roster(workshop)
    for key, kind, measure in workshops.measures(workshop, catalog(), people):
        if key == instrument:
            return kind, measure, people
    abort(404)


@bp.route("/<int:workshop_id>/measures/<instrument>/<phase>")
@require(can_manage_workshops)
def measure(workshop_id: int, instrument: str, phase: str):
    """List the participants and whose pre/post paper test is entered."""
    workshop = workshop_or_404(workshop_id)
    kind, found, people = _measure_or_404(workshop, instrument, phase)
    jump = _goto(
        "paper.measure_entry",
        workshop_id=workshop.id,
        instrument=instrument,
        phase=phase,
    )
    if jump is not None:
        return jump
    return render_template(
        "workshops/measure.html",
        workshop=workshop,
        kind=kind,
        attitude=kind == "attitude",
        module=None,
        measure=found,
        instrument=instrument,
        phase=phase,
        people=people,
        eligible={
            p.user.id
            for p in people
            if workshops.track_for_measure(p.user, kind, instrument, catalog())
        },
        entered=workshops.survey_responses(people, instrument, phase),
        goto=GotoForm(formdata=None),
    )


@bp.route(
    "/<int:workshop_id>/measures/<instrument>/<phase>/<int:participant>",
    methods=["GET", "POST"],
)
@require(can_manage_workshops)
def measure_entry(workshop_id: int, instrument: str, phase: str, participant: int):
    """Enter one participant's paper knowledge test or attitude survey, pre or post."""
    workshop = workshop_or_404(workshop_id)
    kind, found, _people = _measure_or_404(workshop, instrument, phase)
    person = participant_or_404(workshop, participant)
    existing = workshops.survey_responses([person], instrument, phase).get(
        person.user.id
    )
    if workshops.track_for_measure(person.user, kind, instrument, catalog()) is None:
        abort(404)
    sheet = _Sheet(
        workshop,
        person,
        found,
        "paper.measure",
        "paper.measure_entry",
        {"instrument": instrument, "phase": phase},
    )

    def enter(answers):
        return workshops.enter_paper_measure(
            workshop,
            person.user,
            catalog(),
            instrument,
            phase,
            answers,
            current_user,
            locale=current_locale(),
        )

    def correct(answers):
        changed = workshops.correct_paper_measure(
            workshop, person.user, catalog(), instrument, phase, answers, current_user
        )
        number = khmer_digits(person.number)
        if changed:
            flash(_("Sheet %(number)s is corrected.", number=number), "info")
        else:
            flash(
                _(
                    "Sheet %(number)s is unchanged: the answers are the same.",
                    number=number,
                ),
                "info",
            )
        return sheet.list_url()

    return _entry_page(
        sheet,
        existing,
        # Answers given online are the trainee's own: only paper ones are shown here.
        existing.answers if existing and existing.mode == "paper" else {},
        enter,
        lambda _response: _(
            "Sheet %(number)s is saved.", number=khmer_digits(person.number)
        ),
        correct=correct,
        title=None,
        kind=kind,
        phase=phase,
    )
