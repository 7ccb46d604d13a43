"""Workshops and their sessions: create, change, close, reopen; who runs them."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from curriculum.extensions import db
from curriculum.khmer import normalize_khmer
from curriculum.models import (
    Attendance,
    Commune,
    Enrolment,
    User,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from curriculum.models.base import utcnow
from curriculum.permissions import managed_workshops_filter
from curriculum.services import accounts, audit
from curriculum.services.workshops.errors import WorkshopError

MAX_DAYS = 31
MAX_SESSIONS = 60
MAX_SESSIONS_PER_DAY = 3
FACILITATOR_ROLES = ("facilitator", "admin")


@dataclass(frozen=True)
class Listed:
    """A workshop in a facilitator's list, with its number of participants."""

    workshop: Workshop
    participants: int


PAGE = 30  # workshops a page: a national admin may have thousands


@dataclass(frozen=True)
class Page:
    """One page of the workshop list and the cursor of the next (None: the last)."""

    items: list[Listed]
    after: str | None


def cursor(workshop: Workshop) -> str:
    """Return the cursor just past a workshop: its first day and id."""
    return f"{workshop.starts_on.isoformat()}.{workshop.id}"


def _parse_cursor(text: str | None) -> tuple[date, int] | None:
    day, _, ident = (text or "").partition(".")
    try:
        return date.fromisoformat(day), int(ident)
    except ValueError:
        return None


def workshops_for(
    user: User,
    *,
    province_id: int | None = None,
    title: str = "",
    after: str | None = None,
    limit: int | None = PAGE,
) -> Page:
    """Return a page of the workshops a user runs (admins: all), newest first.

    Keyset-paged on (first day, id), so a page costs the same however many workshops
    there are; `province_id` and `title` (a part of it) narrow the list. The
    participants are counted for the page's workshops only.
    """
    query = (
        select(Workshop)
        .where(managed_workshops_filter(user))
        .order_by(Workshop.starts_on.desc(), Workshop.id.desc())
    )
    if province_id is not None:
        query = query.join(Commune, Commune.id == Workshop.commune_id).where(
            Commune.province_id == province_id
        )
    if title.strip():
        text = title.strip()[:100]
        query = query.where(
            func.lower(Workshop.title).contains(text.lower(), autoescape=True)
        )
    past = _parse_cursor(after)
    if past is not None:
        day, ident = past
        query = query.where(
            (Workshop.starts_on < day)
            | ((Workshop.starts_on == day) & (Workshop.id < ident))
        )
    if limit is not None:
        query = query.limit(limit + 1)
    found = list(db.session.scalars(query))
    more = limit is not None and len(found) > limit
    found = found[:limit] if limit is not None else found
    counts = (
        dict(
            db.session.execute(
                select(Enrolment.workshop_id, func.count(Enrolment.id))
                .where(Enrolment.workshop_id.in_([w.id for w in found]))
                .group_by(Enrolment.workshop_id)
            ).all()
        )
        if found
        else {}
    )
    _load_communes(found)
    items = [Listed(w, counts.get(w.id, 0)) for w in found]
    return Page(items, cursor(found[-1]) if more else None)


def _load_communes(workshops: list[Workshop]) -> None:
    """Load the communes of many workshops in one query (not one a workshop)."""
    ids = {w.commune_id for w in workshops}
    if ids:
        list(db.session.scalars(select(Commune).where(Commune.id.in_(ids))))


def facilitators(workshop: Workshop) -> list[User]:
    """Return the people who run a workshop, the creator first."""
    people = db.session.scalars(
        select(User)
        .join(WorkshopFacilitator, WorkshopFacilitator.user_id == User.id)
        .where(WorkshopFacilitator.workshop_id == workshop.id)
        .order_by(User.display_name)
    ).all()
    return sorted(people, key=lambda person: person.id != workshop.created_by_id)


def find_facilitators(text: str) -> tuple[list[User], list[str]]:
    """Return the facilitators named in text (usernames) and the names not found."""
    names = []
    for part in re.split(r"[\s,;]+", text or ""):
        name = accounts.normalize_username(part)
        if name and name not in names:
            names.append(name[:64])
    if not names:
        return [], []
    found = db.session.scalars(
        select(User).where(
            User.username.in_(names),
            User.role.in_(FACILITATOR_ROLES),
            User.active.is_(True),
        )
    ).all()
    known = {person.username for person in found}
    return list(found), [name for name in names if name not in known]


def _check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise WorkshopError("ends_before_start")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise WorkshopError("too_long", days=MAX_DAYS)


def create_workshop(
    by: User,
    *,
    title: str,
    commune: Commune,
    starts_on: date,
    ends_on: date,
    module_keys: list[str],
    cofacilitators: list[User],
    sessions_per_day: int = 1,
) -> Workshop:
    """Create a workshop with its sessions (numbered over the days) and commit."""
    _check_dates(starts_on, ends_on)
    sessions_per_day = max(1, min(sessions_per_day, MAX_SESSIONS_PER_DAY))
    workshop = Workshop(
        title=normalize_khmer(title)[:200],
        commune_id=commune.id,
        starts_on=starts_on,
        ends_on=ends_on,
        module_keys=list(module_keys),
        created_by_id=by.id,
    )
    days = (ends_on - starts_on).days + 1
    number = 0
    for day in range(days):
        for _ in range(sessions_per_day):
            number += 1
            if number > MAX_SESSIONS:
                break
            workshop.sessions.append(
                WorkshopSession(number=number, held_on=starts_on + timedelta(days=day))
            )
    # Give the sessions the modules in order, one each, while there are modules.
    for session, key in zip(workshop.sessions, module_keys, strict=False):
        session.module_key = key
    db.session.add(workshop)
    db.session.flush()
    for person_id in {by.id} | {person.id for person in cofacilitators}:
        db.session.add(WorkshopFacilitator(workshop_id=workshop.id, user_id=person_id))
    audit.record(
        by,
        "workshop.create",
        "workshop",
        workshop.id,
        {"commune": commune.code, "sessions": len(workshop.sessions)},
    )
    db.session.commit()
    return workshop


def update_workshop(
    workshop: Workshop,
    by: User,
    *,
    title: str,
    commune: Commune,
    starts_on: date,
    ends_on: date,
    module_keys: list[str],
    cofacilitators: list[User],
) -> None:
    """Change a workshop's details and co-facilitators (the creator stays); commit."""
    check_open(workshop)
    _check_dates(starts_on, ends_on)
    if any(not starts_on <= item.held_on <= ends_on for item in workshop.sessions):
        raise WorkshopError("sessions_outside")
    workshop.title = normalize_khmer(title)[:200]
    workshop.commune_id = commune.id
    workshop.starts_on, workshop.ends_on = starts_on, ends_on
    workshop.module_keys = list(module_keys)
    wanted = {workshop.created_by_id} | {person.id for person in cofacilitators}
    current = set(
        db.session.scalars(
            select(WorkshopFacilitator.user_id).where(
                WorkshopFacilitator.workshop_id == workshop.id
            )
        )
    )
    if current - wanted:
        db.session.execute(
            delete(WorkshopFacilitator).where(
                WorkshopFacilitator.workshop_id == workshop.id,
                WorkshopFacilitator.user_id.in_(current - wanted),
            )
        )
    for person_id in wanted - current:
        db.session.add(WorkshopFacilitator(workshop_id=workshop.id, user_id=person_id))
    audit.record(
        by,
        "workshop.edit",
        "workshop",
        workshop.id,
        {"facilitators": sorted(wanted)},
    )
    db.session.commit()


def check_open(workshop: Workshop) -> None:
    """Refuse any change to a closed workshop: WorkshopError('workshop_closed')."""
    if workshop.closed_at is not None:
        raise WorkshopError("workshop_closed")


def close_workshop(workshop: Workshop, by: User) -> None:
    """Close a workshop: its roster, attendance and results can no longer change."""
    if workshop.closed_at is None:
        workshop.closed_at = utcnow()
        audit.record(by, "workshop.close", "workshop", workshop.id)
        db.session.commit()


def reopen_workshop(workshop: Workshop, by: User) -> None:
    """Open a closed workshop again for changes."""
    if workshop.closed_at is not None:
        workshop.closed_at = None
        audit.record(by, "workshop.reopen", "workshop", workshop.id)
        db.session.commit()


def session_by_number(workshop: Workshop, number: int) -> WorkshopSession | None:
    """Return a workshop's session by its number."""
    return db.session.scalar(
        select(WorkshopSession).where(
            WorkshopSession.workshop_id == workshop.id, WorkshopSession.number == number
        )
    )


def _check_session_day(workshop: Workshop, held_on: date) -> None:
    if not workshop.starts_on <= held_on <= workshop.ends_on:
        raise WorkshopError("session_outside")


def add_session(
    workshop: Workshop, by: User, held_on: date, module_key: str | None
) -> WorkshopSession:
    """Add a session after the last one and commit."""
    check_open(workshop)
    _check_session_day(workshop, held_on)
    last = db.session.scalar(
        select(func.max(WorkshopSession.number)).where(
            WorkshopSession.workshop_id == workshop.id
        )
    )
    if (last or 0) >= MAX_SESSIONS:
        raise WorkshopError("too_many_sessions", max=MAX_SESSIONS)
    session = WorkshopSession(
        workshop_id=workshop.id,
        number=(last or 0) + 1,
        held_on=held_on,
        module_key=module_key or None,
    )
    db.session.add(session)
    try:
        db.session.flush()
    except IntegrityError:
        # Another facilitator added one at the same moment: ask to try again.
        db.session.rollback()
        raise WorkshopError("busy") from None
    audit.record(
        by, "workshop.session_add", "workshop", workshop.id, {"session": session.number}
    )
    db.session.commit()
    return session


def update_session(
    session: WorkshopSession, by: User, held_on: date, module_key: str | None
) -> None:
    """Change a session's day and module and commit."""
    check_open(session.workshop)
    _check_session_day(session.workshop, held_on)
    session.held_on, session.module_key = held_on, module_key or None
    audit.record(
        by,
        "workshop.session_edit",
        "workshop",
        session.workshop_id,
        {"session": session.number},
    )
    db.session.commit()


def remove_session(session: WorkshopSession, by: User) -> None:
    """Remove a session nobody was marked at; raise WorkshopError otherwise."""
    check_open(session.workshop)
    marked = db.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.session_id == session.id)
    )
    if marked:
        raise WorkshopError("session_has_attendance", count=marked)
    workshop_id, number = session.workshop_id, session.number
    db.session.delete(session)
    audit.record(
        by, "workshop.session_remove", "workshop", workshop_id, {"session": number}
    )
    db.session.commit()
