"""Vetting committees: candidates in scope and their training criterion."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import User
from curriculum.permissions import can_use_committee_pages, can_view_candidate
from curriculum.services import audit, vetting
from curriculum.views.decorators import require

bp = Blueprint("committee", __name__, url_prefix="/committee")


@bp.route("/")
@require(can_use_committee_pages)
def candidates():
    """List the CMG candidates in the committee's province or commune."""
    people = vetting.candidates_in_scope(current_user)
    return render_template("committee/candidates.html", people=people)


@bp.route("/candidates/<int:user_id>")
@require(can_use_committee_pages)
def candidate(user_id: int):
    """Show one candidate's criteria; out of scope is not found."""
    person = db.session.get(User, user_id)
    if person is None or not can_view_candidate(current_user, person):
        abort(404)
    criterion = vetting.training_criterion(person, catalog())
    missing = [m for m in map(catalog().module, criterion.missing) if m is not None]
    audit.record(current_user, "candidate.view", "user", person.id)
    db.session.commit()
    return render_template(
        "committee/candidate.html", person=person, training=criterion, missing=missing
    )
