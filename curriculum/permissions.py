"""Who may do what: roles and scopes as plain predicates.

Anonymous users are sent to sign in; a signed-in user without the right gets 403; an
object outside the user's scope is reported as not found (404), so that its existence is
not revealed.
"""

from sqlalchemy import select

from curriculum.extensions import db
from curriculum.models import User, Workshop, WorkshopFacilitator

STAFF_ROLES = ("facilitator", "committee", "admin")


def is_admin(user: User) -> bool:
    """Return True for programme staff."""
    return user.is_authenticated and user.role == "admin"


def can_learn(user: User) -> bool:
    """Return True when the user follows a learning path (a trainee with a track)."""
    return user.is_authenticated and user.role == "trainee"


def can_use_committee_pages(user: User) -> bool:
    """Return True for committee members and admins."""
    return user.is_authenticated and user.role in ("committee", "admin")


def can_see_content_status(user: User) -> bool:
    """Return True for those who look after the curriculum."""
    return is_admin(user)


def in_scope(staff: User, province_id: int | None, commune_id: int | None) -> bool:
    """Return True when a place lies within a staff member's province or commune."""
    if staff.role == "admin":
        return True
    if staff.commune_id is not None:
        return commune_id is not None and commune_id == staff.commune_id
    if staff.province_id is not None:
        return province_id is not None and province_id == staff.province_id
    return False


def is_candidate(person: User) -> bool:
    """Return True for a trainee on the CMG track."""
    return person.role == "trainee" and "cmg" in person.tracks


def can_view_candidate(user: User, candidate: User) -> bool:
    """Return True when a committee member may open this candidate's page."""
    if not can_use_committee_pages(user) or not is_candidate(candidate):
        return False
    commune = candidate.commune
    province_id = commune.province_id if commune else candidate.province_id
    return in_scope(user, province_id, candidate.commune_id)


def can_manage_certificates(user: User) -> bool:
    """Return True for those who may look up and revoke certificates."""
    return is_admin(user)


def can_decide_on_candidate(user: User, candidate: User) -> bool:
    """Return True when a committee member in scope may record checks and decisions.

    Programme staff (admin) may read cases but not decide: decisions belong to the
    committee of the place.
    """
    return (
        user.is_authenticated
        and user.role == "committee"
        and can_view_candidate(user, candidate)
    )


def can_see_own_vetting(user: User) -> bool:
    """Return True for a trainee on the CMG track (his own status, never the notes)."""
    return can_learn(user) and is_candidate(user)


def can_manage_workshops(user: User) -> bool:
    """Return True for those who run workshops: facilitators and programme staff."""
    return user.is_authenticated and user.role in ("facilitator", "admin")


def can_manage_workshop(user: User, workshop: Workshop) -> bool:
    """Return True for an admin, the workshop's creator and its co-facilitators."""
    if not can_manage_workshops(user):
        return False
    if user.role == "admin" or workshop.created_by_id == user.id:
        return True
    runs = db.session.scalar(
        select(WorkshopFacilitator.user_id).where(
            WorkshopFacilitator.workshop_id == workshop.id,
            WorkshopFacilitator.user_id == user.id,
        )
    )
    return runs is not None


def can_view_reports(user: User) -> bool:
    """Return True for programme staff and committees (who see their own scope)."""
    return user.is_authenticated and user.role in ("admin", "committee")


def can_manage_commune_groups(user: User) -> bool:
    """Return True for programme staff, who decide how communes are grouped."""
    return is_admin(user)
