"""New accounts for people without one: usernames, phones, setup codes."""

import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from curriculum.extensions import db
from curriculum.khmer import normalize_khmer, phone_key
from curriculum.models import GENDERS, TRACKS, User, Workshop
from curriculum.services import accounts, audit, setup_codes
from curriculum.services.workshops.errors import WorkshopError
from curriculum.services.workshops.people import province_of
from curriculum.services.workshops.roster import add_enrolment, next_number
from curriculum.services.workshops.schedule import check_open

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
_PHONE = re.compile(r"0[1-9][0-9]{7,8}")
_PHONE_TYPED = re.compile(r"[0-9០-៩+()\-.\s]+")


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


def free_usernames(wanted: list[str | None]) -> list[str]:
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


def new_trainee(
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
    age_band: str | None = None,
) -> Created:
    """Create a trainee's account, enrol him or her, issue a setup code; commit."""
    check_open(workshop)
    name = username or free_usernames([latin_name])[0]
    if username_taken(name):
        raise WorkshopError("username_taken", username=name)
    user = new_trainee(
        workshop,
        by,
        username=name,
        display_name=display_name,
        latin_name=latin_name,
        phone=phone,
        gender=gender,
        tracks=tracks,
        province_id=province_of(workshop),
    )
    user.age_band = age_band or None
    try:
        created = enrol_new_trainees(workshop, by, [user])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise WorkshopError("busy") from None
    return created[0]


def enrol_new_trainees(
    workshop: Workshop, by: User, people: list[User]
) -> list[Created]:
    """Save new accounts, audit them, put them on the roster, issue their codes.

    Only adds to the session: the caller commits, so that all is saved or nothing.
    """
    db.session.flush()
    first = next_number(workshop)
    for offset, person in enumerate(people):
        audit.record(
            by,
            "user.create",
            "user",
            person.id,
            {"role": "trainee", "workshop": workshop.id},
        )
        add_enrolment(workshop, person, by, first + offset)
    codes = setup_codes.issue_without_commit(people, by)
    return [
        Created(person, first + offset, codes[person.id])
        for offset, person in enumerate(people)
    ]
