"""What every workshop page needs: its workshop, participant or session, or a 404.

Also what each workshop blueprint registers: the template helpers (`page_helpers`)
and the handler of a `WorkshopError` no view caught (`refused`: a change to a closed
workshop, refused by the services, goes back to the workshop's page with a message).
"""

from datetime import UTC, datetime
from datetime import time as clock

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.i18n import format_day
from curriculum.models import Workshop, WorkshopSession
from curriculum.permissions import can_manage_workshop
from curriculum.services import workshops
from curriculum.views.workshop_messages import error_message

# The letters of the answer choices on paper sheets, in the order of the quiz file.
LETTERS = {"km": "កខគឃងចឆជឈញ", "en": "ABCDEFGHIJ"}


def page_helpers() -> dict:
    """Return the helpers the workshop templates use."""
    return {"on_day": on_day, "letters": LETTERS, "track_of_test": track_of_test}


def track_of_test(quiz_key: str):
    """Return the track whose knowledge test this is, or None."""
    return next((t for t in catalog().tracks if t.knowledge_test == quiz_key), None)


def on_day(value) -> str:
    """Format a calendar date like the `day` filter (Khmer month names and digits)."""
    return format_day(datetime.combine(value, clock(12), tzinfo=UTC))


def workshop_or_404(workshop_id: int) -> Workshop:
    """Return a workshop the current user runs, or 404."""
    workshop = db.session.get(Workshop, workshop_id)
    # Someone else's workshop does not exist for this facilitator.
    if workshop is None or not can_manage_workshop(current_user, workshop):
        abort(404)
    return workshop


def participant_or_404(workshop: Workshop, number: int) -> workshops.Participant:
    """Return the participant with this number on the roster, or 404."""
    return workshops.participant(workshop, number) or abort(404)


def session_or_404(workshop: Workshop, number: int) -> WorkshopSession:
    """Return the workshop's session with this number, or 404."""
    return workshops.session_by_number(workshop, number) or abort(404)


def refused(error: workshops.WorkshopError):
    """Say why a change was refused (a closed workshop) and go back to its page."""
    flash(error_message(error), "error")
    workshop_id = (request.view_args or {}).get("workshop_id")
    return redirect(url_for("workshops.show", workshop_id=workshop_id))
