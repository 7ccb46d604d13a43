"""Certificates: issued when a track's required modules are passed; verifiable; revocable."""

import secrets

import segno
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.models import Certificate, User
from curriculum.models.base import utcnow
from curriculum.services import audit
from curriculum.services.progress import completed_modules

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    """Return a random verification code (about 50 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """Return a code in groups that are easy to read and type: ABCDE-FGHJK."""
    return f"{code[:5]}-{code[5:]}"


def normalize_code(text: str) -> str:
    """Return a typed code without spaces and dashes, in capitals."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())[:32]


def issue_due(user: User, catalog: Catalog) -> list[Certificate]:
    """Issue a certificate for every track of the user whose required modules are passed."""
    done = completed_modules(user.id)
    have = set(
        db.session.scalars(
            select(Certificate.track).where(Certificate.user_id == user.id)
        )
    )
    issued = []
    for key in user.tracks:
        track = catalog.track(key)
        if track is None or key in have or not set(track.required) <= done:
            continue
        certificate = Certificate(user_id=user.id, track=key, code=new_code())
        db.session.add(certificate)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            continue  # issued by a concurrent request
        audit.record(None, "certificate.issue", "certificate", certificate.id)
        issued.append(certificate)
    db.session.commit()
    return issued


def for_user(user: User) -> list[Certificate]:
    """Return a user's certificates."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at)
        )
    )


def own_certificate(user: User, track: str) -> Certificate | None:
    """Return the user's certificate for a track, or None."""
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.track == track
        )
    )


def by_code(code: str) -> Certificate | None:
    """Return the certificate with a verification code, or None."""
    return db.session.scalar(
        select(Certificate).where(Certificate.code == normalize_code(code))
    )


def revoke(certificate: Certificate, reason: str, by: User) -> None:
    """Revoke a certificate with a reason; the verification page then says so."""
    if certificate.revoked_at is not None:
        return
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason.strip()[:500]
    certificate.revoked_by_id = by.id
    audit.record(by, "certificate.revoke", "certificate", certificate.id)
    db.session.commit()


def qr_svg(url: str) -> str:
    """Return an SVG QR code for a URL, to print on the certificate."""
    return segno.make(url, error="m").svg_inline(scale=3, dark="#1f1a24", border=2)


# The reason written on a certificate withdrawn because a corrected paper sheet took
# away a module it needed; such a certificate comes back when the module is passed again.
CORRECTION_REASON = (
    "A paper quiz sheet was corrected: a required module is no longer passed."
)


def follow_completions(
    user: User, catalog: Catalog, by: User
) -> tuple[list[str], list[str]]:
    """Withdraw certificates whose required modules are no longer all passed, and
    restore those withdrawn so whose modules are passed again; return (withdrawn,
    restored) track keys. Audited; the caller commits.
    """
    done = completed_modules(user.id)
    withdrawn, restored = [], []
    for certificate in for_user(user):
        track = catalog.track(certificate.track)
        if track is None:
            continue
        complete = set(track.required) <= done
        if certificate.revoked_at is None and not complete:
            certificate.revoked_at = utcnow()
            certificate.revoked_reason = CORRECTION_REASON
            certificate.revoked_by_id = by.id
            audit.record(by, "certificate.revoke", "certificate", certificate.id)
            withdrawn.append(certificate.track)
        elif certificate.revoked_reason == CORRECTION_REASON and complete:
            certificate.revoked_at = None
            certificate.revoked_reason = None
            certificate.revoked_by_id = None
            audit.record(by, "certificate.restore", "certificate", certificate.id)
            restored.append(certificate.track)
    return withdrawn, restored
