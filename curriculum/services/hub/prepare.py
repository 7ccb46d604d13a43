"""The hub seed: what one workshop needs on a laptop, written at the centre, loaded on it.

At the centre, `build_seed` gathers the workshop, its sessions and places, its
facilitators and enrolled participants (with their password hashes, so the same
password or PIN works offline), their unused setup codes and their module completions.
Nothing else: no vetting, no other workshop, no answers, no audit. Every row carries
its central id.

On the hub, `load_seed` checks the signature first, then writes everything in one
transaction. Each row it writes is remembered as a HubRecord (hub id, kind, local id)
-> central id, so loading the same seed again adds nothing and `flask hub export`
later sends central ids and leaves out what came from the centre.
"""

import hashlib
import hmac
import uuid
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from curriculum.extensions import db
from curriculum.models import (
    Commune,
    District,
    Enrolment,
    ModuleCompletion,
    Province,
    QuizAttempt,
    SetupCode,
    User,
    Workshop,
    WorkshopFacilitator,
)
from curriculum.models.base import utcnow
from curriculum.services import audit
from curriculum.services.hub import bundle
from curriculum.services.hub.bundle import BundleError
from curriculum.services.hub.export import curriculum_versions
from curriculum.services.setup_codes import code_key

KINDS = (
    "places",
    "people",
    "workshop",
    "sessions",
    "facilitators",
    "enrolments",
    "setup_codes",
    "module_completions",
)
# The kinds of HubRecord rows a seed leaves on the hub.
USER, WORKSHOP, SESSION, ENROLMENT = "user", "workshop", "session", "enrolment"
SETUP_CODE, ATTEMPT, COMPLETION = "setup_code", "attempt", "completion"
ATTEMPT_FIELDS = ("quiz_key", "idempotency_key", "seed", "points", "max_points")
ATTEMPT_FIELDS += ("percent", "passed", "mode", "content_version", "locale")


def _when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def setup_code_key_id() -> str:
    """Return a fingerprint of the key setup codes are hashed with (not the key).

    Setup codes are stored as HMACs keyed with SETUP_CODE_KEY (else SECRET_KEY), so a
    code printed at the centre works on a hub only when both have the same key.
    """
    digest = hmac.new(code_key(), b"safe-homes setup-code key id", hashlib.sha256)
    return digest.hexdigest()[:16]


# -- at the centre -------------------------------------------------------------
def _people_ids(workshop: Workshop) -> tuple[list[int], list[int]]:
    facilitators = db.session.scalars(
        select(WorkshopFacilitator.user_id).where(
            WorkshopFacilitator.workshop_id == workshop.id
        )
    ).all()
    enrolled = db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.workshop_id == workshop.id)
    ).all()
    staff = sorted({workshop.created_by_id, *facilitators})
    return staff, sorted(set(enrolled))


def _places(people: list[User], workshop: Workshop) -> dict:
    commune_ids = {workshop.commune_id} | {u.commune_id for u in people}
    communes = db.session.scalars(
        select(Commune)
        .where(Commune.id.in_(commune_ids - {None}))
        .order_by(Commune.code)
    ).all()
    district_ids = {c.district_id for c in communes}
    districts = db.session.scalars(
        select(District).where(District.id.in_(district_ids)).order_by(District.code)
    ).all()
    province_ids = {d.province_id for d in districts} | {u.province_id for u in people}
    provinces = db.session.scalars(
        select(Province)
        .where(Province.id.in_(province_ids - {None}))
        .order_by(Province.code)
    ).all()

    def named(row) -> dict:
        return {"code": row.code, "name_km": row.name_km, "name_latin": row.name_latin}

    return {
        "provinces": [named(p) for p in provinces],
        "districts": [named(d) for d in districts],
        "communes": [named(c) for c in communes],
    }


def _code_of(model, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    return db.session.scalar(select(model.code).where(model.id == row_id))


def _person(user: User) -> dict:
    return {
        "central_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "latin_name": user.latin_name,
        "phone": user.phone,
        "gender": user.gender,
        "role": user.role,
        "tracks": user.tracks,
        "province_code": _code_of(Province, user.province_id),
        "commune_code": _code_of(Commune, user.commune_id),
        "locale": user.locale,
        "password_hash": user.password_hash,
        "active": user.active,
        "created_at": _when(user.created_at),
    }


def _completions(participants: list[int]) -> list[dict]:
    rows = db.session.execute(
        select(ModuleCompletion, QuizAttempt)
        .join(QuizAttempt, QuizAttempt.id == ModuleCompletion.attempt_id)
        .where(ModuleCompletion.user_id.in_(participants))
        .order_by(ModuleCompletion.id)
    ).all()
    out = []
    for completion, attempt in rows:
        summary = {name: getattr(attempt, name) for name in ATTEMPT_FIELDS}
        # The passing attempt's score, never its answers.
        summary["central_id"] = attempt.id
        summary["submitted_at"] = _when(attempt.submitted_at)
        out.append(
            {
                "central_id": completion.id,
                "user": completion.user_id,
                "module_key": completion.module_key,
                "completed_at": _when(completion.completed_at),
                "attempt": summary,
            }
        )
    return out


def build_seed(workshop: Workshop, actor: User | None = None) -> dict:
    """Return the seed document of one workshop; audit it (the caller commits)."""
    if current_app.config.get("HUB_ID"):
        raise BundleError(
            _("A hub seed is prepared on the central server, not on a hub.")
        )
    if workshop.closed_at is not None:
        raise BundleError(_("This workshop is closed; it cannot go to a hub."))
    staff_ids, participant_ids = _people_ids(workshop)
    ids = sorted({*staff_ids, *participant_ids})
    people = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))
    people = list(people)
    trainees = [u.id for u in people if u.id in participant_ids and u.role == "trainee"]
    codes = db.session.scalars(
        select(SetupCode)
        .where(
            SetupCode.user_id.in_(trainees),
            SetupCode.used_at.is_(None),
            SetupCode.expires_at > utcnow(),
        )
        .order_by(SetupCode.id)
    ).all()
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id)
        .order_by(Enrolment.number)
    ).all()
    document = {
        "format": bundle.SEED_FORMAT,
        "version": bundle.SEED_VERSION,
        "seed_id": uuid.uuid4().hex,
        "created_at": utcnow().isoformat(),
        "curriculum": curriculum_versions(),
        "setup_code_key_id": setup_code_key_id(),
        "places": _places(people, workshop),
        "workshop": {
            "central_id": workshop.id,
            "title": workshop.title,
            "commune_code": _code_of(Commune, workshop.commune_id),
            "starts_on": _when(workshop.starts_on),
            "ends_on": _when(workshop.ends_on),
            "module_keys": list(workshop.module_keys or []),
            "created_by": workshop.created_by_id,
            "created_at": _when(workshop.created_at),
            "facilitators": [i for i in staff_ids if i != workshop.created_by_id],
            "sessions": [
                {
                    "central_id": s.id,
                    "number": s.number,
                    "held_on": _when(s.held_on),
                    "module_key": s.module_key,
                }
                for s in workshop.sessions
            ],
        },
        "people": [_person(u) for u in people],
        "enrolments": [
            {
                "central_id": e.id,
                "user": e.user_id,
                "number": e.number,
                "enrolled_by": e.enrolled_by_id if e.enrolled_by_id in ids else None,
                "enrolled_at": _when(e.enrolled_at),
            }
            for e in enrolments
        ],
        "setup_codes": [
            {
                "central_id": c.id,
                "user": c.user_id,
                "code_hash": c.code_hash,
                "created_at": _when(c.created_at),
                "expires_at": _when(c.expires_at),
            }
            for c in codes
        ],
        "module_completions": _completions(participant_ids),
    }
    audit.record(
        actor,
        "hub.prepare",
        "workshop",
        workshop.id,
        {
            "seed_id": document["seed_id"],
            "people": len(document["people"]),
            "setup_codes": len(codes),
            "module_completions": len(document["module_completions"]),
        },
    )
    return document


def prepare_seed(workshop: Workshop, actor: User | None = None) -> bytes:
    """Return the signed seed (zip bytes) of one workshop and commit its audit event."""
    document = build_seed(workshop, actor)
    raw = bundle.pack(document)
    db.session.commit()
    return raw
