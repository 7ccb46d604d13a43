"""Attendance: who was present at each session, one tap per person."""

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from curriculum.extensions import db
from curriculum.models import Attendance, User, WorkshopSession
from curriculum.services import audit
from curriculum.services.workshops.schedule import check_open


def present_ids(session: WorkshopSession) -> set[int]:
    """Return the ids of the people marked present at a session."""
    return set(
        db.session.scalars(
            select(Attendance.user_id).where(Attendance.session_id == session.id)
        )
    )


def _attendance_row(session: WorkshopSession, user: User) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.user_id == user.id
        )
    )


def mark_attendance(
    session: WorkshopSession, user: User, present: bool, by: User
) -> bool:
    """Mark someone present or not; return True when something changed.

    Marking twice changes nothing: the database allows one row per session and person.
    """
    check_open(session.workshop)
    if present:
        if _attendance_row(session, user) is not None:
            return False
        db.session.add(
            Attendance(session_id=session.id, user_id=user.id, marked_by_id=by.id)
        )
        action = "attendance.mark"
    else:
        removed = db.session.execute(
            delete(Attendance).where(
                Attendance.session_id == session.id, Attendance.user_id == user.id
            )
        ).rowcount
        if not removed:
            db.session.rollback()
            return False
        action = "attendance.unmark"
    audit.record(
        by,
        action,
        "workshop",
        session.workshop_id,
        {"session": session.number, "user": user.id},
    )
    try:
        db.session.commit()
    except IntegrityError:
        # The same tap arrived twice at once; the other request saved it.
        db.session.rollback()
        return False
    return True
