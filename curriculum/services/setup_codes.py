"""One-time setup codes: how a person without email chooses a password or a PIN.

A code is 8 random digits, printed on a card by the facilitator. Only its SHA-256 is
stored; it expires after 14 days and works once. Issuing a new code to a person kills
the codes he or she had not used. Wrong codes count as failed sign-ins, so the login
throttling (per account and per address) stops anyone guessing them.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from curriculum.extensions import db
from curriculum.khmer import TO_ASCII_DIGITS
from curriculum.models import LoginAttempt, SetupCode, User
from curriculum.models.base import utcnow
from curriculum.services import accounts, audit

CODE_DIGITS = 8
LIFETIME = timedelta(days=14)
MIN_PIN_LENGTH = 6
MAX_SECRET_LENGTH = 256
_SEPARATORS = re.compile(r"[\s\-.·]+")


class SetupError(ValueError):
    """A setup code cannot be issued to this person."""


def new_code() -> str:
    """Return 8 random digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def display_code(code: str) -> str:
    """Return a code as printed on a card: two groups of four digits."""
    return f"{code[:4]} {code[4:]}"


def normalize_code(typed: str) -> str:
    """Return the digits of a typed code (Khmer digits and spaces accepted), or ''."""
    text = _SEPARATORS.sub("", (typed or "").translate(TO_ASCII_DIGITS))
    return text if re.fullmatch(r"[0-9]+", text) else ""


def code_key() -> bytes:
    """Return the key setup codes are hashed with: SETUP_CODE_KEY, else SECRET_KEY.

    A workshop hub needs the centre's key to accept cards printed there; a key of its
    own means a laptop never holds the key that signs the centre's sessions.
    """
    config = current_app.config
    return (config.get("SETUP_CODE_KEY") or config["SECRET_KEY"]).encode()


def code_hash(code: str) -> str:
    """Return the keyed hash (HMAC-SHA-256 with code_key()) a code is stored under.

    Eight digits are few: a plain hash in a stolen copy of the database would give the
    codes up in seconds; without the key this one gives nothing.
    """
    return hmac.new(code_key(), code.encode("ascii"), hashlib.sha256).hexdigest()


def normalize_pin(typed: str) -> str:
    """Return a typed PIN with Khmer digits as ASCII digits and no spaces."""
    return re.sub(r"\s+", "", (typed or "").translate(TO_ASCII_DIGITS))


def pin_problem(pin: str) -> str | None:
    """Return why a PIN is refused ('digits', 'short', 'easy'), or None."""
    if not re.fullmatch(r"[0-9]+", pin):
        return "digits"
    if len(pin) < MIN_PIN_LENGTH:
        return "short"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    # One digit repeated (111111) or a straight run (123456, 987654) is the first
    # guess anyone makes.
    if steps in ({0}, {1}, {-1}):
        return "easy"
    return None


def issue_codes(people: list[User], by: User) -> dict[int, str]:
    """Give each person a new code, killing unused older ones; commit; return codes."""
    codes = issue_without_commit(people, by)
    db.session.commit()
    return codes


def issue_without_commit(people: list[User], by: User) -> dict[int, str]:
    """Add new codes for people to the session (the caller commits); return them."""
    if not people:
        return {}
    for person in people:
        if person.role != "trainee" or not person.active:
            raise SetupError(f"user {person.id} cannot get a setup code")
    ids = [person.id for person in people]
    db.session.execute(
        delete(SetupCode).where(SetupCode.user_id.in_(ids), SetupCode.used_at.is_(None))
    )
    codes = _unique_codes(len(people))
    now = utcnow()
    for person, code in zip(people, codes, strict=True):
        db.session.add(
            SetupCode(
                user_id=person.id,
                code_hash=code_hash(code),
                created_by_id=by.id if by else None,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        audit.record(by, "setup_code.issue", "user", person.id)
    db.session.flush()
    return {person.id: code for person, code in zip(people, codes, strict=True)}


def _unique_codes(count: int) -> list[str]:
    """Return count new codes whose hashes no stored code has (one query a round)."""
    chosen: dict[str, str] = {}
    while len(chosen) < count:
        fresh = {code_hash(code): code for code in (new_code() for _ in range(count))}
        taken = set(
            db.session.scalars(
                select(SetupCode.code_hash).where(SetupCode.code_hash.in_(list(fresh)))
            )
        )
        for digest, code in fresh.items():
            if digest not in taken and len(chosen) < count:
                chosen.setdefault(digest, code)
    return list(chosen.values())


def active_codes(user_ids: list[int]) -> dict[int, SetupCode]:
    """Return each person's unused, unexpired code row (the newest), by user id."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(SetupCode)
        .where(
            SetupCode.user_id.in_(user_ids),
            SetupCode.used_at.is_(None),
            SetupCode.expires_at > utcnow(),
        )
        .order_by(SetupCode.created_at)
    )
    return {row.user_id: row for row in rows}


@dataclass(frozen=True)
class Check:
    """The outcome of typing a username and a setup code."""

    code_id: int | None = None
    user_id: int | None = None
    # None when accepted; else "throttled", "wrong", "expired" or "used".
    problem: str | None = None
    expires_at: datetime | None = None


def check_code(username: str, typed_code: str, address: str, config) -> Check:
    """Check a username and code; a failure counts as a failed sign-in."""
    name = accounts.normalize_username(username or "")[:64]
    address = (address or "unknown")[:64]
    if accounts.is_throttled(name, address, config):
        return Check(problem="throttled")
    code = normalize_code(typed_code)
    user = db.session.scalar(select(User).where(User.username == name))
    row = None
    # Hash whatever was typed, so that the time taken tells nothing about the account.
    digest = code_hash(code or "-")
    if user is not None and user.active and len(code) == CODE_DIGITS:
        row = db.session.scalar(
            select(SetupCode).where(
                SetupCode.user_id == user.id, SetupCode.code_hash == digest
            )
        )
    problem = None
    if row is None:
        problem = "wrong"
    elif row.used_at is not None:
        problem = "used"
    elif row.expires_at <= utcnow():
        problem = "expired"
    if problem is not None:
        db.session.add(LoginAttempt(username=name, address=address, success=False))
        db.session.commit()
        return Check(problem=problem)
    return Check(code_id=row.id, user_id=user.id, expires_at=row.expires_at)


def complete_setup(
    code_id: int, user_id: int, secret: str, address: str
) -> User | None:
    """Use the code once to set the person's password or PIN; None if it is dead."""
    now = utcnow()
    used = db.session.execute(
        update(SetupCode)
        .where(
            SetupCode.id == code_id,
            SetupCode.user_id == user_id,
            SetupCode.used_at.is_(None),
            SetupCode.expires_at > now,
        )
        .values(used_at=now)
    )
    user = db.session.get(User, user_id)
    if used.rowcount != 1 or user is None or not user.active:
        db.session.rollback()
        return None
    user.password_hash = accounts.hash_password(secret)
    # Any session of this account from before the new secret is over.
    user.rotate_session_token()
    db.session.add(
        LoginAttempt(
            username=user.username, address=(address or "unknown")[:64], success=True
        )
    )
    audit.record(user, "setup_code.use", "user", user.id)
    db.session.commit()
    return user
