"""Accounts: password hashing, sign-in with throttling, creation, password changes."""

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.models import ROLES, TRACKS, LoginAttempt, User
from curriculum.models.base import utcnow
from curriculum.services import audit

MIN_PASSWORD_LENGTH = 8


@cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
    )


def hasher() -> PasswordHasher:
    """Return the argon2id hasher with the configured cost (ARGON2_PARAMS)."""
    return _hasher_for(**current_app.config["ARGON2_PARAMS"])


@cache
def _dummy_hash(h: PasswordHasher) -> str:
    # Verified against when the account does not exist, so that the time taken does
    # not tell which usernames are real.
    return h.hash("not-a-real-password")


class AccountError(ValueError):
    """An account could not be created or changed; the message is for the log."""


def normalize_username(username: str) -> str:
    """Return the canonical form of a username: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", username).strip().lower()


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return hasher().hash(password)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    user: User | None
    throttled: bool = False


def _recent_failures(column, value: str, window: timedelta) -> int:
    since = utcnow() - window
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
    )


def is_throttled(username: str, address: str, config) -> bool:
    """Return True when the account or the address has failed too often lately."""
    window = timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    return (
        _recent_failures(LoginAttempt.username, username, window)
        >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginAttempt.address, address, window)
        >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def authenticate(username: str, password: str, address: str, config) -> SignIn:
    """Check a username and password, counting failures per account and per address."""
    name = normalize_username(username)[:64]
    address = address[:64]
    if is_throttled(name, address, config):
        return SignIn(None, throttled=True)
    user = db.session.scalar(select(User).where(User.username == name))
    ok = False
    h = hasher()
    try:
        if user is None or not user.password_hash:
            h.verify(_dummy_hash(h), password)
        else:
            ok = h.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if ok and not user.active:
        ok = False
    db.session.add(LoginAttempt(username=name, address=address, success=ok))
    if ok:
        if h.check_needs_rehash(user.password_hash):
            user.password_hash = h.hash(password)
        # A new session generation on every sign-in: a cookie stolen before it is dead.
        user.rotate_session_token()
    db.session.commit()
    return SignIn(user if ok else None)


def create_user(
    *,
    username: str,
    display_name: str,
    role: str = "trainee",
    password: str | None = None,
    tracks: list[str] | None = None,
    latin_name: str | None = None,
    gender: str = "unspecified",
    phone: str | None = None,
    province_id: int | None = None,
    commune_id: int | None = None,
    locale: str | None = None,
    created_by: User | None = None,
) -> User:
    """Create an account and commit it."""
    name = normalize_username(username)
    if not name or len(name) > 64:
        raise AccountError("username must be 1-64 characters")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    unknown = set(tracks or []) - set(TRACKS)
    if unknown:
        raise AccountError(f"unknown tracks {sorted(unknown)}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if db.session.scalar(select(User.id).where(User.username == name)):
        raise AccountError(f"username {name!r} is taken")
    user = User(
        username=name,
        display_name=display_name.strip(),
        latin_name=latin_name,
        role=role,
        gender=gender,
        phone=phone,
        province_id=province_id,
        commune_id=commune_id,
        locale=locale,
        password_hash=hash_password(password) if password else None,
        created_by_id=created_by.id if created_by else None,
    )
    user.set_tracks(tracks or [])
    db.session.add(user)
    db.session.flush()
    audit.record(created_by, "user.create", "user", user.id, {"role": role})
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> bool:
    """Change a user's own password after checking the current one; end other sessions."""
    h = hasher()
    try:
        h.verify(user.password_hash or _dummy_hash(h), current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("password too short")
    user.password_hash = hash_password(new)
    user.rotate_session_token()
    audit.record(user, "user.password_change", "user", user.id)
    db.session.commit()
    return True


def set_locale(user: User, locale: str) -> None:
    """Store a user's language preference."""
    user.locale = locale
    db.session.commit()


def sign_out(user: User) -> None:
    """End every session of the user by rotating the session token."""
    user.rotate_session_token()
    db.session.commit()


def change_role(user: User, role: str, by: User | None) -> None:
    """Give a user another role; their sessions end, so the new rights apply at once."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    old = user.role
    user.role = role
    user.rotate_session_token()
    audit.record(by, "user.role_change", "user", user.id, {"from": old, "to": role})
    db.session.commit()


def reset_password(user: User, new: str, by: User | None) -> None:
    """Set someone else's password (staff or command line); audited, sessions end."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    user.password_hash = hash_password(new)
    user.rotate_session_token()
    audit.record(by, "user.password_reset", "user", user.id)
    db.session.commit()
