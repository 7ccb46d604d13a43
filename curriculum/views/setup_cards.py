"""Setup codes for people without a password, and the cards to print them on."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curriculum.forms.workshops import ActionForm
from curriculum.permissions import can_manage_workshops
from curriculum.services import setup_codes, workshops
from curriculum.views.card_store import forget_codes, keep_codes, kept_codes
from curriculum.views.decorators import require
from curriculum.views.workshop_pages import (
    page_helpers,
    participant_or_404,
    workshop_or_404,
)

bp = Blueprint("setup_cards", __name__, url_prefix="/workshops")
bp.context_processor(page_helpers)


@bp.route("/<int:workshop_id>/roster/<int:participant>/code", methods=["POST"])
@require(can_manage_workshops)
def reissue(workshop_id: int, participant: int):
    """Give a participant a new setup code; the old one stops working."""
    workshop = workshop_or_404(workshop_id)
    person = participant_or_404(workshop, participant)
    if person.user.role != "trainee":
        abort(404)
    if ActionForm().validate_on_submit():
        codes = setup_codes.issue_codes([person.user], current_user)
        keep_codes(workshop, codes)
        flash(
            _(
                "%(name)s has a new setup code. Print the card; the old code no "
                "longer works.",
                name=person.user.display_name,
            ),
            "info",
        )
        return redirect(url_for("setup_cards.cards", workshop_id=workshop.id))
    return redirect(url_for("roster.roster", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/cards")
@require(can_manage_workshops)
def cards(workshop_id: int):
    """Print the setup cards of the codes issued in this session (shown only here)."""
    workshop = workshop_or_404(workshop_id)
    kept = kept_codes(workshop)
    people = [p for p in workshops.roster(workshop) if p.user.id in kept]
    active = setup_codes.active_codes([p.user.id for p in people])
    # A code used or replaced since it was issued is not printed.
    printable = [
        (p, setup_codes.display_code(kept[p.user.id]), active[p.user.id])
        for p in people
        if p.user.id in active
        and active[p.user.id].code_hash == setup_codes.code_hash(kept[p.user.id])
    ]
    response = Response(
        render_template(
            "workshops/cards.html",
            workshop=workshop,
            printable=printable,
            setup_url=url_for("setup.start", _external=True),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:workshop_id>/cards/forget", methods=["POST"])
@require(can_manage_workshops)
def forget_cards(workshop_id: int):
    """Forget the printed codes: they cannot be shown again (only replaced)."""
    workshop = workshop_or_404(workshop_id)
    if ActionForm().validate_on_submit():
        forget_codes(workshop)
        flash(
            _("The codes are forgotten. To print a card again, give a new code."),
            "info",
        )
    return redirect(url_for("roster.roster", workshop_id=workshop.id))
