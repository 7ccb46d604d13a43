"""The roster: who is on a workshop, with the number printed on the sheets."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from curriculum.extensions import db
from curriculum.models import Attendance, Enrolment, User, Workshop, WorkshopSession
from curriculum.services import audit
from curriculum.services.workshops.errors import WorkshopError
from curriculum.services.workshops.schedule import check_open


@dataclass(frozen=True)
class Participant:
    """A person on a roster, with the number printed on the sheets."""

    number: int
    user: User
    enrolment: Enrolment


def roster(workshop: Workshop) -> list[Participant]:
    """Return the participants in number order (two queries, tracks included)."""
    rows = db.session.execute(
        select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.workshop_id == workshop.id)
        .order_by(Enrolment.number)
    ).all()
    return [Participant(enrolment.number, user, enrolment) for enrolment, user in rows]


def participant(workshop: Workshop, number: int) -> Participant | None:
    """Return the participant with this number, or None."""
    row = db.session.execute(
        select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.number == number)
    ).first()
    return Participant(row[0].number, row[1], row[0]) if row else None


def participant_after(workshop: Workshop, number: int) -> Participant | None:
    """Return the participant with the next higher number, or None after the last."""
    row = db.session.execute(
        select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.number > number)
        .order_by(Enrolment.number)
        .limit(1)
    ).first()
    return Participant(row[0].number, row[1], row[0]) if row else None


def trainee_by_id(user_id: int) -> User | None:
    """Return an active trainee by id, or None (staff cannot be enrolled)."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "trainee" or not user.active:
        return None
    return user


def enrol(workshop: Workshop, user: User, by: User) -> tuple[Enrolment, bool]:
    """Put a trainee on the roster once, with the next number; return (row, created)."""
    check_open(workshop)
    for _ in range(3):
        existing = _enrolment_of(workshop, user)
        if existing is not None:
            return existing, False
        enrolment = add_enrolment(workshop, user, by, next_number(workshop))
        try:
            db.session.commit()
        except IntegrityError:
            # Two facilitators added someone at the same moment: number again.
            db.session.rollback()
            continue
        return enrolment, True
    raise WorkshopError("busy")


def add_enrolment(workshop: Workshop, user: User, by: User, number: int) -> Enrolment:
    """Add a roster row and its audit event to the session; the caller commits."""
    enrolment = Enrolment(
        workshop_id=workshop.id, user_id=user.id, number=number, enrolled_by_id=by.id
    )
    db.session.add(enrolment)
    audit.record(
        by,
        "enrolment.add",
        "workshop",
        workshop.id,
        {"user": user.id, "number": number},
    )
    return enrolment


def _enrolment_of(workshop: Workshop, user: User) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.workshop_id == workshop.id, Enrolment.user_id == user.id
        )
    )


def next_number(workshop: Workshop) -> int:
    """Return the participant number the next person on the roster gets."""
    last = db.session.scalar(
        select(func.max(Enrolment.number)).where(Enrolment.workshop_id == workshop.id)
    )
    return (last or 0) + 1


def unenrol(workshop: Workshop, person: Participant, by: User) -> None:
    """Take someone added by mistake off the roster; refused once marked present."""
    check_open(workshop)
    session_ids = select(WorkshopSession.id).where(
        WorkshopSession.workshop_id == workshop.id
    )
    marked = db.session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.user_id == person.user.id, Attendance.session_id.in_(session_ids)
        )
    )
    if marked:
        raise WorkshopError("participant_attended", count=marked)
    db.session.delete(person.enrolment)
    audit.record(
        by,
        "enrolment.remove",
        "workshop",
        workshop.id,
        {"user": person.user.id, "number": person.number},
    )
    db.session.commit()
