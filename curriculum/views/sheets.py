"""Printed sheets: the sign-in sheet of a session and the paper answer sheets."""

from flask import Blueprint, abort, render_template, request

from curriculum.content import catalog
from curriculum.content.model import AttitudeSurvey
from curriculum.i18n import current_locale
from curriculum.permissions import can_manage_workshops
from curriculum.services import surveys, workshops
from curriculum.views.decorators import require
from curriculum.views.workshop_pages import (
    page_helpers,
    session_or_404,
    workshop_or_404,
)

bp = Blueprint("sheets", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)

SHEET_TEXTS = ("km", "en", "both")


@bp.route("/<int:workshop_id>/sessions/<int:session_number>/sheet")
@require(can_manage_workshops)
def signin_sheet(workshop_id: int, session_number: int):
    """Print the sign-in sheet of a session, with participant numbers."""
    workshop = workshop_or_404(workshop_id)
    item = session_or_404(workshop, session_number)
    return render_template(
        "workshops/signin_sheet.html",
        workshop=workshop,
        item=item,
        module=catalog().module(item.module_key) if item.module_key else None,
        people=workshops.roster(workshop),
        blank_rows=range(5),
    )


def _sheet_measure(quiz_key: str):
    """Return a module quiz, a knowledge test or the attitude survey by key, or 404."""
    found = catalog().quiz(quiz_key) or surveys.instrument(catalog(), quiz_key)
    return found or abort(404)


@bp.route("/<int:workshop_id>/sheets/<quiz_key>")
@require(can_manage_workshops)
def answer_sheet(workshop_id: int, quiz_key: str):
    """Print an answer sheet for a quiz, a knowledge test or the attitude survey."""
    workshop = workshop_or_404(workshop_id)
    measure = _sheet_measure(quiz_key)
    text = request.args.get("text", current_locale())
    if text not in SHEET_TEXTS:
        text = current_locale()
    per_person = request.args.get("for") == "each"
    return render_template(
        "workshops/answer_sheet.html",
        workshop=workshop,
        measure=measure,
        attitude=isinstance(measure, AttitudeSurvey),
        module=catalog().module(measure.module_key)
        if getattr(measure, "module_key", None)
        else None,
        text=text,
        sheets=workshops.roster(workshop) if per_person else [None],
        per_person=per_person,
    )
