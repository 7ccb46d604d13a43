"""Workshops: sessions, facilitators, the roster, attendance, paper results, reports.

Every change is audited and committed here. Pages about a workshop load its roster,
attendance and attempts in a fixed number of queries, whatever the number of people.
"""

import hashlib
import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import Integer, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import AttitudeSurvey, Catalog, Module, Quiz
from curriculum.extensions import db
from curriculum.khmer import name_key, normalize_khmer, phone_key
from curriculum.models import (
    GENDERS,
    TRACKS,
    Attendance,
    Commune,
    Enrolment,
    QuizAttempt,
    SurveyResponse,
    User,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from curriculum.models.base import utcnow
from curriculum.services import accounts, audit, quizzes, setup_codes, spreadsheets
from curriculum.services import surveys as survey_service
from curriculum.services.spreadsheets import Column, Problem

MAX_DAYS = 31
MAX_SESSIONS = 60
MAX_SESSIONS_PER_DAY = 3
MAX_IMPORT_ROWS = 150
SEARCH_LIMIT = 20
FACILITATOR_ROLES = ("facilitator", "admin")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
_PHONE = re.compile(r"0[1-9][0-9]{7,8}")
_PHONE_TYPED = re.compile(r"[0-9០-៩+()\-.\s]+")


class WorkshopError(ValueError):
    """A change to a workshop was refused; the code says why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# -- workshops -------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A workshop in a facilitator's list, with its number of participants."""

    workshop: Workshop
    participants: int


def workshops_for(user: User) -> list[Listed]:
    """Return the workshops a user runs (admins: all), newest first, with counts."""
    counts = (
        select(Enrolment.workshop_id, func.count(Enrolment.id).label("n"))
        .group_by(Enrolment.workshop_id)
        .subquery()
    )
    query = (
        select(Workshop, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.workshop_id == Workshop.id)
        .order_by(Workshop.starts_on.desc(), Workshop.id.desc())
    )
    if user.role != "admin":
        runs = select(WorkshopFacilitator.workshop_id).where(
            WorkshopFacilitator.user_id == user.id
        )
        query = query.where(
            or_(Workshop.created_by_id == user.id, Workshop.id.in_(runs))
        )
    rows = db.session.execute(query).all()
    _load_communes([workshop for workshop, _ in rows])
    return [Listed(workshop, count) for workshop, count in rows]


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


# -- sessions --------------------------------------------------------------------------


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


# -- roster ----------------------------------------------------------------------------


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
    for _ in range(3):
        existing = _enrolment_of(workshop, user)
        if existing is not None:
            return existing, False
        enrolment = Enrolment(
            workshop_id=workshop.id,
            user_id=user.id,
            number=_next_number(workshop),
            enrolled_by_id=by.id,
        )
        db.session.add(enrolment)
        audit.record(
            by,
            "enrolment.add",
            "workshop",
            workshop.id,
            {"user": user.id, "number": enrolment.number},
        )
        try:
            db.session.commit()
        except IntegrityError:
            # Two facilitators added someone at the same moment: number again.
            db.session.rollback()
            continue
        return enrolment, True
    raise WorkshopError("busy")


def _enrolment_of(workshop: Workshop, user: User) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.workshop_id == workshop.id, Enrolment.user_id == user.id
        )
    )


def _next_number(workshop: Workshop) -> int:
    last = db.session.scalar(
        select(func.max(Enrolment.number)).where(Enrolment.workshop_id == workshop.id)
    )
    return (last or 0) + 1


def unenrol(workshop: Workshop, person: Participant, by: User) -> None:
    """Take someone added by mistake off the roster; refused once marked present."""
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


# -- finding people --------------------------------------------------------------------


def mask_phone(phone: str | None) -> str:
    """Return the last three digits of a phone number, the rest hidden."""
    digits = phone_key(phone or "")
    return f"••• {digits[-3:]}" if len(digits) >= 3 else ""


def _province_of(workshop: Workshop) -> int | None:
    commune = db.session.get(Commune, workshop.commune_id)
    return commune.province_id if commune else None


def _bare_phone():
    """Return User.phone without the spaces, dashes, dots and brackets people type."""
    column = User.phone
    for sign in (" ", "-", ".", "(", ")", "+"):
        column = func.replace(column, sign, "")
    return column


def _phone_tail(digits: str) -> str:
    # The last 8 digits are the same in 012 345 678, +855 12 345 678 and 85512345678.
    return digits[-8:]


def _local_trainees(province_id: int | None, phones: Iterable[str] = ()):
    """Return (id, name, latin, phone) of trainees near a province (one query).

    Names cannot be compared in SQL (Khmer spellings that look the same differ in
    bytes), so they are compared in Python among the people of the province. Phone
    numbers are matched everywhere on their last digits, then compared exactly.
    """
    near = [User.province_id.is_(None)]
    if province_id is not None:
        near.append(User.province_id == province_id)
    for tail in sorted({_phone_tail(phone) for phone in phones if phone}):
        near.append(_bare_phone().contains(tail, autoescape=True))
    return db.session.execute(
        select(User.id, User.display_name, User.latin_name, User.phone).where(
            User.role == "trainee", User.active.is_(True), or_(*near)
        )
    ).all()


def search_trainees(workshop: Workshop, query: str) -> list[User]:
    """Find trainees by name, username or phone, normalised as Khmer is typed."""
    text = normalize_khmer(query or "")[:100]
    key = name_key(text)
    digits = phone_key(text)
    if len(key) < 2 and len(digits) < 3:
        return []
    lowered = text.casefold()
    conditions = [
        User.username.contains(lowered, autoescape=True),
        func.lower(User.latin_name).contains(lowered, autoescape=True),
        User.display_name.contains(text, autoescape=True),
    ]
    phone_like = len(digits) >= 3 and sum(ch.isdigit() for ch in key) >= len(key) - 1
    if phone_like:
        conditions.append(_bare_phone().contains(_phone_tail(digits), autoescape=True))
    found = list(
        db.session.scalars(
            select(User.id)
            .where(User.role == "trainee", User.active.is_(True), or_(*conditions))
            .order_by(User.display_name)
            .limit(SEARCH_LIMIT)
        )
    )
    if len(found) < SEARCH_LIMIT and key:
        for row in _local_trainees(_province_of(workshop)):
            if row.id in found:
                continue
            names = name_key(row.display_name) + " " + name_key(row.latin_name or "")
            by_phone = phone_like and _phone_tail(digits) in phone_key(row.phone or "")
            if key in names or by_phone:
                found.append(row.id)
                if len(found) >= SEARCH_LIMIT:
                    break
    return _users_by_ids(found)


def _users_by_ids(ids: list[int]) -> list[User]:
    if not ids:
        return []
    people = {
        person.id: person
        for person in db.session.scalars(select(User).where(User.id.in_(ids)))
    }
    _load_user_communes(people.values())
    return [people[i] for i in ids if i in people]


def _load_user_communes(people: Iterable[User]) -> None:
    ids = {person.commune_id for person in people if person.commune_id}
    if ids:
        list(db.session.scalars(select(Commune).where(Commune.id.in_(ids))))


@dataclass(frozen=True)
class Match:
    """An existing person who may be the one being added."""

    user: User
    by_name: bool
    by_phone: bool
    on_roster: bool = False


def _name_keys(*names: str | None) -> set[str]:
    return {name_key(name) for name in names if name} - {""}


class _PeopleIndex:
    """Existing trainees by name key and by phone, built with one query."""

    def __init__(self, province_id: int | None, phones: Iterable[str] = ()) -> None:
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_phone: dict[str, set[int]] = defaultdict(set)
        for row in _local_trainees(province_id, phones):
            for key in _name_keys(row.display_name, row.latin_name):
                self.by_name[key].add(row.id)
            if row.phone and phone_key(row.phone):
                self.by_phone[phone_key(row.phone)].add(row.id)

    def matches(self, names: set[str], phone: str) -> dict[int, tuple[bool, bool]]:
        """Return {user id: (same name, same phone)}."""
        found: dict[int, tuple[bool, bool]] = {}
        for key in names:
            for user_id in self.by_name.get(key, ()):
                found[user_id] = (True, False)
        for user_id in self.by_phone.get(phone, ()) if phone else ():
            found[user_id] = (found.get(user_id, (False, False))[0], True)
        return found


def likely_duplicates(
    workshop: Workshop, display_name: str, latin_name: str | None, phone: str | None
) -> list[Match]:
    """Return existing trainees with the same name (as Khmer is typed) or phone."""
    phone = phone_key(phone or "")
    index = _PeopleIndex(_province_of(workshop), [phone])
    found = index.matches(_name_keys(display_name, latin_name), phone)
    if not found:
        return []
    enrolled = set(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.workshop_id == workshop.id,
                Enrolment.user_id.in_(list(found)),
            )
        )
    )
    people = _users_by_ids(sorted(found))
    return [
        Match(person, *found[person.id], on_roster=person.id in enrolled)
        for person in people
    ]


# -- new accounts ----------------------------------------------------------------------


def parse_phone(text: str) -> str:
    """Return a Cambodian phone number in national form; ValueError('phone') if not."""
    if not _PHONE_TYPED.fullmatch(text.strip()):
        raise ValueError("phone")
    digits = phone_key(text)
    # A spreadsheet that took the number for a number dropped its leading 0.
    if not digits.startswith("0") and 8 <= len(digits) <= 9:
        digits = "0" + digits
    if not _PHONE.fullmatch(digits):
        raise ValueError("phone")
    return digits


def parse_username(text: str) -> str:
    """Return a username as stored; ValueError('username') when it cannot be one."""
    name = accounts.normalize_username(text)
    if not _USERNAME.fullmatch(name):
        raise ValueError("username")
    return name


def _slug(latin_name: str | None) -> str:
    ascii_text = (
        unicodedata.normalize("NFKD", latin_name or "")
        .encode("ascii", "ignore")
        .decode()
        .lower()
    )
    return re.sub(r"[^a-z0-9]+", ".", ascii_text).strip(".")[:24].strip(".")


def _free_usernames(wanted: list[str | None]) -> list[str]:
    """Turn Latin names (or None) into free usernames: heng.dara2, t4821937."""
    bases = [_slug(name) if name else "" for name in wanted]
    bases = [base if len(base) >= 3 else "" for base in bases]
    taken: set[str] = set()
    prefixes = sorted({base for base in bases if base})
    if prefixes:
        starts = [User.username.startswith(base, autoescape=True) for base in prefixes]
        taken |= set(db.session.scalars(select(User.username).where(or_(*starts))))
    chosen: list[str] = []
    randoms: list[int] = []
    for position, base in enumerate(bases):
        if not base:
            chosen.append("")
            randoms.append(position)
            continue
        name, suffix = base, 1
        while name in taken:
            suffix += 1
            name = f"{base}{suffix}"
        taken.add(name)
        chosen.append(name)
    while randoms:
        tries = {position: f"t{secrets.randbelow(10**7):07d}" for position in randoms}
        clash = set(
            db.session.scalars(
                select(User.username).where(User.username.in_(list(tries.values())))
            )
        )
        randoms = []
        for position, name in tries.items():
            if name in clash or name in taken:
                randoms.append(position)
            else:
                taken.add(name)
                chosen[position] = name
    return chosen


def username_taken(username: str) -> bool:
    """Return True when an account has this username."""
    found = db.session.scalar(select(User.id).where(User.username == username))
    return found is not None


def _new_trainee(
    workshop: Workshop,
    by: User,
    *,
    username: str,
    display_name: str,
    latin_name: str | None,
    phone: str | None,
    gender: str,
    tracks: list[str],
    province_id: int | None,
) -> User:
    """Add a trainee without a password (a setup code follows) to the session."""
    if gender not in GENDERS:
        raise accounts.AccountError(f"unknown gender {gender!r}")
    if not tracks or set(tracks) - set(TRACKS):
        raise accounts.AccountError(f"bad tracks {tracks!r}")
    user = User(
        username=username,
        display_name=normalize_khmer(display_name)[:200],
        latin_name=normalize_khmer(latin_name)[:200] if latin_name else None,
        phone=phone_key(phone) if phone else None,
        gender=gender,
        role="trainee",
        province_id=province_id,
        commune_id=workshop.commune_id,
        created_by_id=by.id,
    )
    user.set_tracks(tracks)
    db.session.add(user)
    return user


@dataclass(frozen=True)
class Created:
    """A person put on the roster with a new account, and the code to print."""

    user: User
    number: int
    code: str


def create_participant(
    workshop: Workshop,
    by: User,
    *,
    display_name: str,
    latin_name: str | None,
    phone: str | None,
    gender: str,
    tracks: list[str],
    username: str | None = None,
) -> Created:
    """Create a trainee's account, enrol him or her, issue a setup code; commit."""
    name = username or _free_usernames([latin_name])[0]
    if username_taken(name):
        raise WorkshopError("username_taken", username=name)
    user = _new_trainee(
        workshop,
        by,
        username=name,
        display_name=display_name,
        latin_name=latin_name,
        phone=phone,
        gender=gender,
        tracks=tracks,
        province_id=_province_of(workshop),
    )
    try:
        db.session.flush()
        audit.record(
            by,
            "user.create",
            "user",
            user.id,
            {"role": "trainee", "workshop": workshop.id},
        )
        enrolment = Enrolment(
            workshop_id=workshop.id,
            user_id=user.id,
            number=_next_number(workshop),
            enrolled_by_id=by.id,
        )
        db.session.add(enrolment)
        audit.record(
            by,
            "enrolment.add",
            "workshop",
            workshop.id,
            {"user": user.id, "number": enrolment.number},
        )
        codes = setup_codes.issue_without_commit([user], by)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise WorkshopError("busy") from None
    return Created(user, enrolment.number, codes[user.id])


# -- importing a roster ----------------------------------------------------------------

_GENDER_WORDS = {
    "female": ("female", "f", "woman", "women", "ស្រី", "នារី", "ស្ត្រី", "ភេទស្រី"),
    "male": ("male", "m", "man", "men", "ប្រុស", "បុរស", "ភេទប្រុស"),
    "other": ("other", "ផ្សេង", "ផ្សេងទៀត", "ផ្សេងៗ"),
    "unspecified": (
        "unspecified",
        "not said",
        "unknown",
        "មិនបញ្ជាក់",
        "មិនបានបញ្ជាក់",
        "មិនដឹង",
    ),
}
_TRACK_WORDS = {
    "police": (
        "police",
        "police officer",
        "police officers",
        "នគរបាល",
        "មន្ត្រីនគរបាល",
        "ប៉ូលិស",
    ),
    "leaders": (
        "leaders",
        "leader",
        "local leader",
        "local leaders",
        "village chief",
        "commune chief",
        "village leader",
        "commune leader",
        "អ្នកដឹកនាំ",
        "មេភូមិ",
        "មេឃុំ",
        "អ្នកដឹកនាំភូមិ",
        "អ្នកដឹកនាំឃុំ",
    ),
    "health": (
        "health",
        "health worker",
        "health workers",
        "សុខាភិបាល",
        "បុគ្គលិកសុខាភិបាល",
        "មន្ត្រីសុខាភិបាល",
    ),
    "cmg": (
        "cmg",
        "cmg member",
        "cmg members",
        "community men's group",
        "community mens group",
        "ក្រុមបុរសសហគមន៍",
        "សមាជិកក្រុមបុរសសហគមន៍",
        "បេក្ខជនក្រុមបុរសសហគមន៍",
    ),
}
IMPORT_REASONS = ("gender", "track", "phone", "username", "blank")


def _word_table(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {name_key(word): key for key, options in words.items() for word in options}


_GENDERS_BY_WORD = _word_table(_GENDER_WORDS)


def parse_gender(text: str) -> str:
    """Return a gender key from a word in Khmer or English; ValueError('gender')."""
    found = _GENDERS_BY_WORD.get(name_key(text))
    if found is None:
        raise ValueError("gender")
    return found


def track_words(catalog: Catalog | None) -> dict[str, str]:
    """Return every accepted spelling of each track (keys, titles, common words)."""
    words = {key: list(options) + [key] for key, options in _TRACK_WORDS.items()}
    for track in catalog.tracks if catalog else ():
        spellings = words.setdefault(track.key, [track.key])
        spellings.extend([track.title.km, track.title.en])
    return _word_table({key: tuple(options) for key, options in words.items()})


def parse_tracks(text: str, table: dict[str, str]) -> list[str]:
    """Return track keys from a cell ('police', 'នគរបាល', 'health; cmg')."""
    whole = table.get(name_key(text))
    if whole:
        return [whole]
    found = []
    for part in re.split(r"[,;/|+]", text):
        if not name_key(part):
            continue
        key = table.get(name_key(part))
        if key is None:
            raise ValueError("track")
        found.append(key)
    if not found:
        raise ValueError("track")
    return [t for t in TRACKS if t in found]


def _parse_name(text: str) -> str:
    value = normalize_khmer(text)
    if not name_key(value):
        raise ValueError("blank")
    return value


def roster_columns(catalog: Catalog | None) -> list[Column]:
    """Return the columns of a roster file; headers in English or Khmer."""
    tracks = track_words(catalog)
    return [
        Column(
            "name",
            (
                "name",
                "name_km",
                "khmer name",
                "name in khmer",
                "ឈ្មោះ",
                "ឈ្មោះខ្មែរ",
                "ឈ្មោះជាភាសាខ្មែរ",
                "គោត្តនាម និងនាម",
            ),
            required=True,
            parse=_parse_name,
        ),
        Column(
            "latin_name",
            (
                "latin name",
                "name_latin",
                "name in latin letters",
                "english name",
                "ឈ្មោះឡាតាំង",
                "ឈ្មោះជាអក្សរឡាតាំង",
            ),
            parse=normalize_khmer,
        ),
        Column(
            "phone",
            ("phone", "telephone", "phone number", "mobile", "ទូរស័ព្ទ", "លេខទូរស័ព្ទ"),
            max_length=32,
            parse=parse_phone,
        ),
        Column("gender", ("gender", "sex", "ភេទ"), max_length=32, parse=parse_gender),
        Column(
            "track",
            ("track", "tracks", "ក្រុម", "ផ្លូវសិក្សា", "តួនាទី"),
            required=True,
            parse=lambda text: parse_tracks(text, tracks),
        ),
        Column(
            "username",
            ("username", "user name", "ឈ្មោះអ្នកប្រើ"),
            max_length=64,
            parse=parse_username,
        ),
    ]


TEMPLATE_HEADER = ["name", "latin name", "phone", "gender", "track", "username"]
TEMPLATE_EXAMPLE = ["សុខ ដារ៉ា", "Sok Dara", "012 345 678", "ប្រុស", "នគរបាល", ""]


@dataclass(frozen=True)
class ImportCheck:
    """A roster file, checked: rows to create, what stops them, what to look at."""

    rows: list[dict[str, object]]
    problems: list[Problem]  # any of these: nothing is imported
    warnings: list[Problem] = field(default_factory=list)  # possible duplicates

    def ready(self, create_anyway: bool) -> bool:
        """Return True when the rows may be imported now."""
        return (
            bool(self.rows)
            and not self.problems
            and (create_anyway or not self.warnings)
        )


def check_roster_file(
    workshop: Workshop, filename: str, data: bytes, catalog: Catalog | None
) -> ImportCheck:
    """Read a roster file and check every row; list every problem with its row."""
    columns = roster_columns(catalog)
    table = spreadsheets.read_table(filename, data, columns, max_rows=MAX_IMPORT_ROWS)
    read_problems = list(table.problems)
    rows = table.rows
    if not table.ok:
        rows = _rows_despite_problems(table, columns, filename, data)
    if not rows:
        return ImportCheck([], sorted(read_problems, key=_problem_order))
    numbers = _row_numbers(filename, data, len(rows))
    numbered = list(zip(numbers, rows, strict=True))
    checks = _FileChecks(workshop, numbered)
    return ImportCheck(
        [row for _, row in numbered] if table.ok else [],
        sorted(read_problems + checks.problems, key=_problem_order),
        sorted(checks.warnings, key=_problem_order),
    )


def _rows_despite_problems(
    table: spreadsheets.Table, columns: list[Column], filename: str, data: bytes
) -> list[dict]:
    """Return the rows of a file with wrong cells, or none when its header is wrong."""
    if any(p.row == 0 or p.code in _HEADER_CODES for p in table.problems):
        return []
    # Some cells are wrong: read the rest anyway, so that the rules below
    # (usernames, repeated rows) are checked too and every problem is listed.
    lenient = _lenient(columns)
    return spreadsheets.read_table(
        filename, data, lenient, max_rows=MAX_IMPORT_ROWS
    ).rows


class _FileChecks:
    """The rows of a roster file checked against each other and existing accounts."""

    def __init__(self, workshop: Workshop, numbered: list[tuple[int, dict]]) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        usernames = [row["username"] for _, row in numbered if row["username"]]
        self.taken = _taken_usernames(usernames)
        phones = [row["phone"] for _, row in numbered if row["phone"]]
        self.index = _PeopleIndex(_province_of(workshop), phones)
        self.seen_username: dict[str, int] = {}
        self.seen_person: dict[tuple[frozenset, str], int] = {}
        self.seen_name: dict[str, int] = {}
        self.seen_phone: dict[str, int] = {}
        self.matched: dict[int, list[tuple[int, bool, bool]]] = {}
        for number, row in numbered:
            self._check_row(number, row)
        self._warn_about_accounts()

    def _check_row(self, number: int, row: dict) -> None:
        if row["username"]:
            self._check_username(number, row["username"])
        names = frozenset(_name_keys(row["name"], row["latin_name"]))
        phone = row["phone"] or ""
        person = (names, phone)
        if person in self.seen_person:
            self.problems.append(
                Problem(
                    number, None, "row_repeated", {"other": self.seen_person[person]}
                )
            )
            return
        self.seen_person[person] = number
        self._check_same_in_file(number, names, phone)
        for user_id, (by_name, by_phone) in self.index.matches(
            set(names), phone
        ).items():
            self.matched.setdefault(user_id, []).append((number, by_name, by_phone))

    def _check_username(self, number: int, username: str) -> None:
        if username in self.taken:
            self.problems.append(
                Problem(number, "username", "username_taken", {"username": username})
            )
        elif username in self.seen_username:
            other = self.seen_username[username]
            self.problems.append(
                Problem(number, "username", "username_repeated", {"other": other})
            )
        self.seen_username.setdefault(username, number)

    def _check_same_in_file(self, number: int, names: frozenset, phone: str) -> None:
        other = next((self.seen_name[k] for k in names if k in self.seen_name), None)
        if other is not None:
            self.warnings.append(
                Problem(number, "name", "same_name_in_file", {"other": other})
            )
        for key in names:
            self.seen_name.setdefault(key, number)
        if not phone:
            return
        if phone in self.seen_phone:
            self.warnings.append(
                Problem(
                    number,
                    "phone",
                    "same_phone_in_file",
                    {"other": self.seen_phone[phone]},
                )
            )
        self.seen_phone.setdefault(phone, number)

    def _warn_about_accounts(self) -> None:
        if not self.matched:
            return
        people = {person.id: person for person in _users_by_ids(sorted(self.matched))}
        for user_id, hits in self.matched.items():
            person = people.get(user_id)
            if person is None:
                continue
            params = {"name": person.display_name, "username": person.username}
            for number, by_name, by_phone in hits:
                code = (
                    "same_name_and_phone"
                    if by_name and by_phone
                    else ("same_name" if by_name else "same_phone")
                )
                self.warnings.append(Problem(number, None, code, params))


def _taken_usernames(usernames: list[str]) -> set[str]:
    if not usernames:
        return set()
    return set(
        db.session.scalars(select(User.username).where(User.username.in_(usernames)))
    )


_HEADER_CODES = ("missing_column", "duplicate_column")


def _lenient(columns: list[Column]) -> list[Column]:
    """Return the columns with every cell accepted (a wrong one read as None)."""

    def accept(parse):
        def parsed(text: str) -> object:
            try:
                return parse(text) if parse else text
            except ValueError:
                return None

        return parsed

    return [
        replace(column, required=False, max_length=10**6, parse=accept(column.parse))
        for column in columns
    ]


def _problem_order(problem: Problem) -> tuple[int, str, str]:
    return problem.row, problem.column or "", problem.code


def _row_numbers(filename: str, data: bytes, count: int) -> list[int]:
    """Return the spreadsheet row number of each row read (blank rows are skipped)."""
    # read_table drops blank rows and does not say which ones it kept; its reader
    # tells. The file has been read once already, so this cannot fail.
    limit = MAX_IMPORT_ROWS + 2
    if filename.lower().endswith(".csv"):
        kept = spreadsheets._csv_rows(data, limit)
    else:
        kept = spreadsheets._xlsx_rows(data, limit)
    numbers = [number for number, _ in kept[1:]]
    return numbers if len(numbers) == count else list(range(2, count + 2))


def import_roster(
    workshop: Workshop, by: User, rows: list[dict[str, object]]
) -> list[Created]:
    """Create and enrol everyone of a checked file in one transaction; issue codes."""
    wanted = [row["username"] or None for row in rows]
    automatic = _free_usernames(
        [
            None if name else row["latin_name"]
            for name, row in zip(wanted, rows, strict=True)
        ]
    )
    province_id = _province_of(workshop)
    first = _next_number(workshop)
    people: list[User] = []
    try:
        for row, name, auto in zip(rows, wanted, automatic, strict=True):
            people.append(
                _new_trainee(
                    workshop,
                    by,
                    username=name or auto,
                    display_name=str(row["name"]),
                    latin_name=row["latin_name"] or None,
                    phone=row["phone"] or None,
                    gender=row["gender"] or "unspecified",
                    tracks=list(row["track"]),
                    province_id=province_id,
                )
            )
        db.session.flush()
        for offset, person in enumerate(people):
            audit.record(
                by,
                "user.create",
                "user",
                person.id,
                {"role": "trainee", "workshop": workshop.id},
            )
            db.session.add(
                Enrolment(
                    workshop_id=workshop.id,
                    user_id=person.id,
                    number=first + offset,
                    enrolled_by_id=by.id,
                )
            )
        codes = setup_codes.issue_without_commit(people, by)
        audit.record(
            by,
            "roster.import",
            "workshop",
            workshop.id,
            {"rows": len(people), "first": first},
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise WorkshopError("busy") from None
    return [
        Created(person, first + offset, codes[person.id])
        for offset, person in enumerate(people)
    ]


# -- attendance ------------------------------------------------------------------------


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


# -- paper results ---------------------------------------------------------------------


def paper_token(workshop: Workshop, user: User, quiz_key: str) -> str:
    """Return the idempotency key of a paper sheet: entered twice, it is saved once."""
    token = f"paper-{workshop.id}-{user.id}-{quiz_key}"
    if len(token) > 64:
        token = "paper-" + hashlib.sha256(token.encode()).hexdigest()[:58]
    return token


def workshop_quizzes(workshop: Workshop, catalog: Catalog) -> list[tuple[Module, Quiz]]:
    """Return the module quizzes of the workshop's modules, in course order."""
    found = []
    for key in workshop.module_keys or []:
        module = catalog.module(key)
        quiz = catalog.quiz(module.quiz_key) if module else None
        if quiz is not None:
            found.append((module, quiz))
    return sorted(found, key=lambda pair: pair[0].order)


def measures(workshop: Workshop, catalog: Catalog, people: list[Participant]):
    """Return the pre/post measures for this roster: knowledge tests, then attitude."""
    tracks = {track for person in people for track in person.user.tracks}
    found = []
    for track in catalog.tracks:
        if track.key in tracks and track.knowledge_test:
            quiz = catalog.quiz(track.knowledge_test)
            if quiz is not None:
                found.append((track.knowledge_test, "knowledge", quiz))
    if catalog.attitude:
        found.append((catalog.attitude.key, "attitude", catalog.attitude))
    return found


def paper_attempts(
    workshop: Workshop, quiz: Quiz, people: list[Participant]
) -> dict[int, QuizAttempt]:
    """Return this workshop's paper attempts at a quiz, by user id (one query)."""
    tokens = {paper_token(workshop, p.user, quiz.key): p.user.id for p in people}
    if not tokens:
        return {}
    rows = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.idempotency_key.in_(list(tokens)))
    )
    return {row.user_id: row for row in rows}


def enter_paper_quiz(
    workshop: Workshop,
    person: User,
    quiz: Quiz,
    answers: dict[str, list[str]],
    by: User,
    *,
    locale: str,
    catalog: Catalog,
) -> tuple[QuizAttempt, bool]:
    """Grade a paper sheet like an online attempt, save it once; (attempt, created)."""
    token = paper_token(workshop, person, quiz.key)
    existing = db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.idempotency_key == token)
    )
    if existing is not None:
        return existing, False
    # Added before the attempt, so that both are saved by the same commit or neither.
    audit.record(
        by,
        "quiz.paper_entry",
        "user",
        person.id,
        {"workshop": workshop.id, "quiz": quiz.key},
    )
    return quizzes.submit_attempt(
        person,
        quiz,
        answers,
        token=token,
        locale=locale,
        mode="paper",
        entered_by=by,
        enforce_policy=False,
        catalog=catalog,
    )


def track_for_measure(person: User, kind: str, quiz_key: str, catalog: Catalog):
    """Return the track under which a person's pre/post answers are kept, or None."""
    for key in person.tracks:
        track = catalog.track(key)
        if track is None:
            continue
        if kind == "attitude" or track.knowledge_test == quiz_key:
            return key
    return None


def survey_responses(
    people: list[Participant], instrument: str, phase: str
) -> dict[int, SurveyResponse]:
    """Return the responses of the roster to one measure and phase (one query)."""
    ids = [p.user.id for p in people]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.user_id.in_(ids),
            SurveyResponse.instrument == instrument,
            SurveyResponse.phase == phase,
        )
    )
    return {row.user_id: row for row in rows}


def enter_paper_measure(
    workshop: Workshop,
    person: User,
    catalog: Catalog,
    instrument: str,
    phase: str,
    answers: dict,
    by: User,
    *,
    locale: str,
) -> tuple[SurveyResponse, bool]:
    """Save a pre/post knowledge test or attitude survey from paper, once."""
    measure = survey_service.instrument(catalog, instrument)
    if measure is None or phase not in survey_service.PHASES:
        raise WorkshopError("no_such_measure")
    kind = "attitude" if isinstance(measure, AttitudeSurvey) else "knowledge"
    track = track_for_measure(person, kind, instrument, catalog)
    if track is None:
        raise WorkshopError("not_on_track")
    existing = survey_service.responses(person).get((instrument, phase))
    if existing is not None:
        return existing, False
    audit.record(
        by,
        "survey.paper_entry",
        "user",
        person.id,
        {"workshop": workshop.id, "instrument": instrument, "phase": phase},
    )
    offer = survey_service.Offer(instrument, kind, track, phase)
    return survey_service.submit(
        person, catalog, offer, answers, locale=locale, mode="paper", entered_by=by
    )


# -- report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFigures:
    """How many came to one session."""

    session: WorkshopSession
    present: int
    enrolled: int

    @property
    def percent(self) -> float:
        """Return the share of the roster present."""
        return 100.0 * self.present / self.enrolled if self.enrolled else 0.0


@dataclass(frozen=True)
class QuizFigures:
    """Results of one module quiz among the participants (best attempt each)."""

    module: Module
    quiz: Quiz
    took: int
    passed: int
    mean_percent: float | None

    @property
    def pass_rate(self) -> float | None:
        """Return the share of those who took the quiz who passed it."""
        return 100.0 * self.passed / self.took if self.took else None


@dataclass(frozen=True)
class ChangeFigures:
    """Pre/post change on one measure among participants who took both (pairs)."""

    instrument: str
    kind: str
    pairs: int
    pre_mean: float | None
    post_mean: float | None

    @property
    def change(self) -> float | None:
        """Return the mean change from before to after."""
        if self.pre_mean is None or self.post_mean is None:
            return None
        return self.post_mean - self.pre_mean


@dataclass(frozen=True)
class ParticipantFigures:
    """One participant's line of the report."""

    person: Participant
    attended: frozenset[int]  # session numbers
    best: dict[str, tuple[float, bool]]  # quiz key -> (best percent, ever passed)
    measures: dict[tuple[str, str], float]  # (instrument, phase) -> value


@dataclass(frozen=True)
class Report:
    """A workshop's figures: attendance, module quizzes, pre/post change."""

    sessions: list[SessionFigures]
    quizzes: list[QuizFigures]
    changes: list[ChangeFigures]
    participants: list[ParticipantFigures]
    instruments: list[tuple[str, str]]  # (instrument, kind)


def measure_value(response: SurveyResponse) -> float | None:
    """Return a response on its report scale: knowledge %, attitude 1-3 per item."""
    if not response.max_score:
        return None
    if response.kind == "attitude":
        return 3.0 * response.score / response.max_score
    return 100.0 * response.score / response.max_score


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def report(workshop: Workshop, catalog: Catalog) -> Report:
    """Compute a workshop's report in a fixed number of queries."""
    people = roster(workshop)
    ids = [p.user.id for p in people]
    sessions = list(workshop.sessions)
    attended: dict[int, set[int]] = defaultdict(set)
    number_of = {s.id: s.number for s in sessions}
    if sessions and ids:
        rows = db.session.execute(
            select(Attendance.session_id, Attendance.user_id).where(
                Attendance.session_id.in_(list(number_of)), Attendance.user_id.in_(ids)
            )
        )
        for session_id, user_id in rows:
            attended[user_id].add(number_of[session_id])
    session_figures = [
        SessionFigures(s, sum(1 for i in ids if s.number in attended[i]), len(ids))
        for s in sessions
    ]

    pairs = workshop_quizzes(workshop, catalog)
    quiz_keys = [quiz.key for _, quiz in pairs]
    best: dict[int, dict[str, tuple[float, bool]]] = defaultdict(dict)
    if quiz_keys and ids:
        rows = db.session.execute(
            select(
                QuizAttempt.user_id,
                QuizAttempt.quiz_key,
                func.max(QuizAttempt.percent),
                func.max(QuizAttempt.passed.cast(Integer)),
            )
            .where(QuizAttempt.user_id.in_(ids), QuizAttempt.quiz_key.in_(quiz_keys))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key)
        )
        for user_id, quiz_key, percent, passed in rows:
            best[user_id][quiz_key] = (float(percent), bool(passed))
    quiz_figures = []
    for module, quiz in pairs:
        results = [best[i][quiz.key] for i in ids if quiz.key in best[i]]
        quiz_figures.append(
            QuizFigures(
                module,
                quiz,
                took=len(results),
                passed=sum(1 for _, ok in results if ok),
                mean_percent=_mean([percent for percent, _ in results]),
            )
        )

    instruments = [(key, kind) for key, kind, _ in measures(workshop, catalog, people)]
    values: dict[int, dict[tuple[str, str], float]] = defaultdict(dict)
    if instruments and ids:
        rows = db.session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.user_id.in_(ids),
                SurveyResponse.instrument.in_([key for key, _ in instruments]),
            )
        )
        for response in rows:
            value = measure_value(response)
            if value is not None:
                values[response.user_id][(response.instrument, response.phase)] = value
    changes = []
    for key, kind in instruments:
        matched = [
            (values[i][(key, "pre")], values[i][(key, "post")])
            for i in ids
            if (key, "pre") in values[i] and (key, "post") in values[i]
        ]
        changes.append(
            ChangeFigures(
                key,
                kind,
                len(matched),
                _mean([pre for pre, _ in matched]),
                _mean([post for _, post in matched]),
            )
        )
    lines = [
        ParticipantFigures(
            p, frozenset(attended[p.user.id]), best[p.user.id], values[p.user.id]
        )
        for p in people
    ]
    return Report(session_figures, quiz_figures, changes, lines, instruments)


def record_export(workshop: Workshop, by: User, what: str) -> None:
    """Audit a download of a workshop's data."""
    audit.record(by, "report.export", "workshop", workshop.id, {"what": what})
    db.session.commit()
