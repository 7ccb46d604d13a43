"""Who may do what: roles and scopes as plain predicates.

Anonymous users are sent to sign in; a signed-in user without the right gets 403; an
object outside the user's scope is reported as not found (404), so that its existence is
not revealed.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true

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
    return is_admin(user) or can_review(user)


def can_review(user: User) -> bool:
    """Return True for those who review and correct the Khmer of the curriculum.

    Admins, and staff an admin made reviewers (native speakers). The review pages show
    content only, never people's data, so the flag adds nothing else to a role.
    """
    if not user.is_authenticated:
        return False
    return user.role == "admin" or (bool(user.reviewer) and user.role in STAFF_ROLES)


def can_narrate(user: User) -> bool:
    """Return True for those who record narration: the reviewers and admins."""
    return can_review(user)


def can_approve_narration(user: User, recorded_by_id: int) -> bool:
    """Return True when a user may approve a recording: another narrator, or an admin.

    A second ear catches a misread word; an admin answers for what the programme
    publishes and may approve their own.
    """
    return can_narrate(user) and (is_admin(user) or user.id != recorded_by_id)


@dataclass(frozen=True)
class Scope:
    """The places a staff member may see: all of them, one commune, one province, none."""

    everywhere: bool = False
    province_id: int | None = None
    commune_id: int | None = None


def scope_of(staff: User) -> Scope:
    """Return the places a staff member may see (the one statement of the scope rule).

    An admin sees everything; a committee member or facilitator with a commune sees that
    commune; with only a province, that province; with neither, nothing.
    """
    if staff.role == "admin":
        return Scope(everywhere=True)
    if staff.commune_id is not None:
        return Scope(province_id=staff.province_id, commune_id=staff.commune_id)
    if staff.province_id is not None:
        return Scope(province_id=staff.province_id)
    return Scope()


def in_scope(staff: User, province_id: int | None, commune_id: int | None) -> bool:
    """Return True when a place lies within a staff member's province or commune."""
    scope = scope_of(staff)
    if scope.everywhere:
        return True
    if scope.commune_id is not None:
        return commune_id is not None and commune_id == scope.commune_id
    if scope.province_id is not None:
        return province_id is not None and province_id == scope.province_id
    return False


def scope_filter(staff: User, province_column, commune_column) -> ColumnElement[bool]:
    """Return the SQL condition that keeps the rows `in_scope` keeps.

    `province_column` and `commune_column` say where a row's place is; the same rule as
    `in_scope`, so a list and the page behind each row always agree.
    """
    scope = scope_of(staff)
    if scope.everywhere:
        return true()
    if scope.commune_id is not None:
        return commune_column == scope.commune_id
    if scope.province_id is not None:
        return province_column == scope.province_id
    return false()


def province_visible(staff: User, province_id: int) -> bool:
    """Return True when a province may be offered in a staff member's filters."""
    scope = scope_of(staff)
    return scope.everywhere or province_id == scope.province_id


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


def can_enter_cmg_reports(user: User) -> bool:
    """Return True for staff who enter CMG members' monthly reports on their behalf."""
    return user.is_authenticated and user.role in STAFF_ROLES


def can_see_data_quality(user: User) -> bool:
    """Return True for programme staff, who check the data before it is reported."""
    return is_admin(user)


def can_import_cmg_reports(user: User) -> bool:
    """Return True for programme staff who import monthly reports from a file."""
    return is_admin(user)


def can_enter_report_for(staff: User, member: User) -> bool:
    """Return True when staff may enter a member's reports: the member is in his area."""
    return can_enter_cmg_reports(staff) and in_scope(
        staff, member.province_id, member.commune_id
    )


def can_manage_workshops(user: User) -> bool:
    """Return True for those who run workshops: facilitators and programme staff."""
    return user.is_authenticated and user.role in ("facilitator", "admin")


def can_see_facilitator_notes(user: User) -> bool:
    """Return True for those who lead sessions: a lesson's notes are for them only."""
    return can_manage_workshops(user)


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


def managed_workshops_filter(user: User) -> ColumnElement[bool]:
    """Return the SQL condition that keeps the workshops `can_manage_workshop` allows."""
    if not can_manage_workshops(user):
        return false()
    if user.role == "admin":
        return true()
    runs = select(WorkshopFacilitator.workshop_id).where(
        WorkshopFacilitator.user_id == user.id
    )
    return or_(Workshop.created_by_id == user.id, Workshop.id.in_(runs))


def can_view_reports(user: User) -> bool:
    """Return True for programme staff and committees (who see their own scope)."""
    return user.is_authenticated and user.role in ("admin", "committee")


def can_manage_commune_groups(user: User) -> bool:
    """Return True for programme staff, who decide how communes are grouped."""
    return is_admin(user)


def can_import_hub_bundles(user: User) -> bool:
    """Return True for programme staff, who bring workshop hubs' bundles in."""
    return is_admin(user)
