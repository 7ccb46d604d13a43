"""On the hub: write one workshop's people and records into a signed bundle.

On a hub prepared from the centre (prepare.py) the rows the seed brought are known by
HubRecord rows under this hub's id: people and the workshop go out with their central
ids, and the module completions (with their passing attempts) that came from the centre
are not sent back as if they were done here.
"""

import uuid
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    Certificate,
    Commune,
    Enrolment,
    HubRecord,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
    User,
    Workshop,
    WorkshopFacilitator,
)
from curriculum.models.base import utcnow
from curriculum.models.hub import HubSeed
from curriculum.services.hub import bundle

SUBMISSION_FIELDS = (
    "answers",
    "mode",
    "content_version",
    "locale",
)
ATTEMPT_FIELDS = ("quiz_key", "idempotency_key", "seed", "points", "max_points")
ATTEMPT_FIELDS += ("percent", "passed")
SURVEY_FIELDS = ("instrument", "kind", "track", "phase", "score", "max_score")


def _when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _submission(row, fields: tuple[str, ...]) -> dict:
    out = {"id": row.id, "user": row.user_id, "entered_by": row.entered_by_id}
    out["submitted_at"] = _when(row.submitted_at)
    for name in SUBMISSION_FIELDS + fields:
        out[name] = getattr(row, name)
    return out


def _central_ids(hub_id: str, kind: str) -> dict[int, int]:
    """Return the central ids of rows a prepared hub received from the centre."""
    rows = db.session.execute(
        select(HubRecord.local_id, HubRecord.central_id).where(
            HubRecord.hub_id == hub_id, HubRecord.kind == kind
        )
    )
    return dict(rows.all())


def _seeded(hub_id: str, kind: str) -> set[int]:
    """Return the local ids of the rows of one kind that a seed brought from the centre."""
    return set(_central_ids(hub_id, kind))


def seeded_hub_id() -> str | None:
    """Return the hub id under which seeds were loaded on this database, if any."""
    return db.session.scalar(select(HubSeed.hub_id).order_by(HubSeed.id).limit(1))


def current_hub_id() -> str:
    """Return this hub's id: HUB_ID, else the one its seeds were loaded under.

    A hub prepared from the centre keeps the id its seeds were loaded under: under
    another HUB_ID its rows would lose their central ids, so that is refused.
    """
    configured = current_app.config.get("HUB_ID") or ""
    seeded = seeded_hub_id()
    if configured and seeded is not None and configured != seeded:
        raise bundle.BundleError(
            _(
                "This hub was prepared as %(seeded)s; run it with HUB_ID=%(seeded)s.",
                seeded=seeded,
            )
        )
    found = configured or seeded or ""
    if not found:
        raise bundle.BundleError("HUB_ID is not set on this hub.")
    return found


def _commune_code(commune_id: int | None) -> str | None:
    if commune_id is None:
        return None
    return db.session.scalar(select(Commune.code).where(Commune.id == commune_id))


def _person(user: User, central: dict[int, int]) -> dict:
    return {
        "id": user.id,
        "central_id": central.get(user.id),
        "username": user.username,
        "display_name": user.display_name,
        "latin_name": user.latin_name,
        "phone": user.phone,
        "gender": user.gender,
        "role": user.role,
        "tracks": user.tracks,
        "commune_code": _commune_code(user.commune_id),
        "created_at": _when(user.created_at),
    }


def _workshop_part(workshop: Workshop, hub_id: str) -> dict:
    facilitators = db.session.scalars(
        select(WorkshopFacilitator.user_id).where(
            WorkshopFacilitator.workshop_id == workshop.id
        )
    ).all()
    return {
        "id": workshop.id,
        "central_id": _central_ids(hub_id, "workshop").get(workshop.id),
        "title": workshop.title,
        "commune_code": _commune_code(workshop.commune_id),
        "starts_on": _when(workshop.starts_on),
        "ends_on": _when(workshop.ends_on),
        "module_keys": list(workshop.module_keys or []),
        "created_by": workshop.created_by_id,
        "closed_at": _when(workshop.closed_at),
        "facilitators": sorted({workshop.created_by_id, *facilitators}),
        "sessions": [
            {
                "id": s.id,
                "number": s.number,
                "held_on": _when(s.held_on),
                "module_key": s.module_key,
            }
            for s in workshop.sessions
        ],
    }


def _records(workshop: Workshop, people: list[int], hub_id: str) -> dict:
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop.id)
    ).all()
    session_ids = [s.id for s in workshop.sessions]
    attendance = db.session.scalars(
        select(Attendance).where(Attendance.session_id.in_(session_ids))
    ).all()

    def of_people(model, leave_out: str | None = None):
        rows = db.session.scalars(
            select(model).where(model.user_id.in_(people)).order_by(model.id)
        ).all()
        if leave_out is None:
            return rows
        seeded = _seeded(hub_id, leave_out)
        return [row for row in rows if row.id not in seeded]

    return {
        "enrolments": [
            {
                "id": e.id,
                "user": e.user_id,
                "number": e.number,
                "enrolled_by": e.enrolled_by_id,
                "enrolled_at": _when(e.enrolled_at),
            }
            for e in enrolments
        ],
        "attendance": [
            {
                "id": a.id,
                "session": a.session_id,
                "user": a.user_id,
                "marked_by": a.marked_by_id,
                "marked_at": _when(a.marked_at),
            }
            for a in attendance
        ],
        "quiz_attempts": [
            _submission(a, ATTEMPT_FIELDS) for a in of_people(QuizAttempt, "attempt")
        ],
        "survey_responses": [
            _submission(r, SURVEY_FIELDS) for r in of_people(SurveyResponse)
        ],
        "module_completions": [
            {
                "id": c.id,
                "user": c.user_id,
                "module_key": c.module_key,
                "attempt": c.attempt_id,
                "completed_at": _when(c.completed_at),
            }
            for c in of_people(ModuleCompletion, "completion")
        ],
        "certificates": [
            {
                "id": c.id,
                "user": c.user_id,
                "track": c.track,
                "code": c.code,
                "issued_at": _when(c.issued_at),
                "revoked_at": _when(c.revoked_at),
                "revoked_reason": c.revoked_reason,
            }
            for c in of_people(Certificate)
        ],
    }


def curriculum_versions() -> dict:
    """Return the versions of the quizzes and survey the bundle was made with."""
    cat = catalog()
    return {
        "quizzes": {key: quiz.version for key, quiz in sorted(cat.quizzes.items())},
        "attitude": cat.attitude.version if cat.attitude else None,
    }


def build_document(workshop: Workshop) -> dict:
    """Return the bundle document of one workshop on this hub."""
    hub = current_hub_id()
    part = _workshop_part(workshop, hub)
    enrolled = db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.workshop_id == workshop.id)
    ).all()
    ids = sorted({*part["facilitators"], *enrolled})
    central = _central_ids(hub, "user")
    people = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))
    return {
        "format": bundle.FORMAT,
        "version": bundle.VERSION,
        "bundle_id": uuid.uuid4().hex,
        "hub_id": hub,
        "created_at": utcnow().isoformat(),
        "curriculum": curriculum_versions(),
        "workshop": part,
        "people": [_person(u, central) for u in people],
        **_records(workshop, ids, hub),
    }


def export_workshop(workshop: Workshop) -> bytes:
    """Return the signed bundle (zip bytes) of one workshop."""
    return bundle.pack(build_document(workshop))
