"""Workshop hub bundles: a hub database (SQLite file) and the suite's central database."""

import io
import json
import zipfile
from datetime import date

import pytest
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from curriculum import config
from curriculum.app import create_app
from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    AuditEvent,
    Commune,
    Enrolment,
    HubImport,
    QuizAttempt,
    User,
    Workshop,
    WorkshopSession,
)
from curriculum.services import geography
from curriculum.services.hub import bundle, export, importer
from tests.factories import make_user

KEY = "a-shared-test-signing-key-0123456789"


@pytest.fixture()
def signed(app):
    app.config.update(HUB_SIGNING_KEY=KEY)
    yield
    app.config.update(HUB_SIGNING_KEY="")


@pytest.fixture()
def hub(tmp_path):
    """A second app, the hub, on its own SQLite file."""
    path = tmp_path / "hub.sqlite3"

    class HubConfig(config.TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
            self.HUB_ID = "hall-1"
            self.HUB_SIGNING_KEY = KEY

    hub_app = create_app(HubConfig)
    with hub_app.app_context():
        upgrade()
        geography.ensure_provinces()
        geography.upsert_district("1501", "បាកាន", "Bakan")
        geography.upsert_commune("150101", "បឹងបត់កណ្ដាល", "Boeng Bat Kandaol")
        db.session.commit()
    yield hub_app
    with hub_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _hub_workshop(hub_app, names=("សុខ ជា", "ចាន់ ធី")) -> bytes:
    """Hold a small workshop on the hub and return its bundle."""
    quiz = next(iter(catalog().quizzes.values()))
    with hub_app.app_context():
        commune = db.session.scalar(select(Commune).where(Commune.code == "150101"))
        fac = make_user("facilitator", "facilitator", commune=commune)
        workshop = Workshop(
            title="សិក្ខាសាលា",
            commune_id=commune.id,
            starts_on=date(2025, 3, 10),
            ends_on=date(2025, 3, 10),
            module_keys=[],
            created_by_id=fac.id,
        )
        db.session.add(workshop)
        db.session.flush()
        session = WorkshopSession(
            workshop_id=workshop.id, number=1, held_on=date(2025, 3, 10)
        )
        db.session.add(session)
        db.session.flush()
        for n, name in enumerate(names, start=1):
            person = User(
                username=f"p{n}",
                display_name=name,
                role="trainee",
                commune_id=commune.id,
                province_id=commune.province_id,
            )
            person.set_tracks(["police"])
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Enrolment(workshop_id=workshop.id, user_id=person.id, number=n)
            )
            db.session.add(Attendance(session_id=session.id, user_id=person.id))
            db.session.add(
                QuizAttempt(
                    user_id=person.id,
                    quiz_key=quiz.key,
                    idempotency_key=f"hub-attempt-{n}",
                    points=1,
                    max_points=2,
                    percent=50,
                    passed=False,
                    answers={},
                    mode="paper",
                    entered_by_id=fac.id,
                    content_version=quiz.version,
                    locale="km",
                )
            )
        db.session.commit()
        return export.export_workshop(workshop)


def _import(raw: bytes, actor):
    """Import as from a request in English (messages are in the user's language)."""
    with current_app.test_request_context("/?lang=en"):
        return importer.import_bundle(raw, actor)


def _central_counts() -> tuple:
    return tuple(
        _count(m) for m in (User, Workshop, Enrolment, Attendance, QuizAttempt)
    )


def test_round_trip_and_twice_counts_once(app, users, signed, hub):
    raw = _hub_workshop(hub)
    before = _central_counts()
    result = _import(raw, users["admin"])
    assert result.counts["people"] == 2
    assert result.counts["enrolments"] == 2
    assert result.counts["attendance"] == 2
    assert result.counts["quiz_attempts"] == 2
    after = _central_counts()
    # The hub's facilitator matched the central one by username: two new people.
    assert after == (before[0] + 2, before[1] + 1, 2, 2, 2)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "hub.import")
    )
    assert event.object_id == result.bundle_id
    assert "សុខ" not in json.dumps(event.detail, ensure_ascii=False)

    again = _import(raw, users["admin"])
    assert again.already
    assert _central_counts() == after
    assert _count(HubImport) == 1


def test_a_new_bundle_repeating_rows_adds_nothing(app, users, signed, hub):
    first = _hub_workshop(hub)
    _import(first, users["admin"])
    after = _central_counts()
    with hub.app_context():
        second = export.export_workshop(db.session.get(Workshop, 1))
    result = _import(second, users["admin"])
    assert not result.already
    assert sum(result.counts.values()) == 0
    assert _central_counts() == after


def test_participant_existing_centrally_is_matched(app, users, signed, places, hub):
    existing = make_user("sok", commune=places["pursat_a"])
    existing.display_name = "សុខ  ជា"  # spaced differently: the same name
    db.session.commit()
    raw = _hub_workshop(hub)
    result = _import(raw, users["admin"])
    assert result.counts["people"] == 1
    enrolled = db.session.scalars(select(Enrolment.user_id)).all()
    assert existing.id in enrolled


def _tamper(raw: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        document = json.loads(archive.read(bundle.JSON_NAME))
        signature = archive.read(bundle.SIGNATURE_NAME)
    change(document)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(bundle.JSON_NAME, json.dumps(document))
        archive.writestr(bundle.SIGNATURE_NAME, signature)
    return out.getvalue()


def test_tampered_bundle_is_refused_and_nothing_written(app, users, signed, hub):
    raw = _hub_workshop(hub)
    tampered = _tamper(raw, lambda d: d["quiz_attempts"][0].update(percent=100))
    before = _central_counts()
    with pytest.raises(importer.ImportRefused) as refused:
        _import(tampered, users["admin"])
    assert refused.value.code == "bad_signature"
    assert _central_counts() == before
    assert _count(HubImport) == 0


def test_wrong_version_is_refused(app, users, signed):
    raw = bundle.pack({"format": bundle.FORMAT, "version": 2, "bundle_id": "x"})
    with pytest.raises(importer.ImportRefused) as refused:
        _import(raw, users["admin"])
    assert (refused.value.code, refused.value.params["version"]) == (
        "wrong_version",
        "2",
    )
    with pytest.raises(importer.ImportRefused) as refused:
        _import(b"not a zip", users["admin"])
    assert refused.value.code == "not_zip"


def test_damaged_content_rolls_back(app, users, signed, hub):
    raw = _hub_workshop(hub)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        document = json.loads(archive.read(bundle.JSON_NAME))
    document["attendance"][0]["marked_at"] = "not a time"
    before = _central_counts()
    with pytest.raises(importer.ImportRefused) as refused:
        _import(bundle.pack(document), users["admin"])
    assert refused.value.code == "damaged"
    assert _central_counts() == before


def test_unknown_quiz_is_a_conflict(app, users, signed, hub):
    raw = _hub_workshop(hub)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        document = json.loads(archive.read(bundle.JSON_NAME))
    document["quiz_attempts"][0]["quiz_key"] = "no-such-quiz"
    result = _import(bundle.pack(document), users["admin"])
    assert result.counts["quiz_attempts"] == 1
    assert [(c.code, c.kind, c.params) for c in result.conflicts] == [
        ("quiz_unknown", "quiz_attempts", {"quiz": "no-such-quiz"})
    ]
    assert result.conflicts[0].hub_row == document["quiz_attempts"][0]["id"]


def test_closed_workshop_centrally_is_refused(app, users, signed, hub):
    raw = _hub_workshop(hub)
    _import(raw, users["admin"])
    workshop = db.session.scalar(select(Workshop))
    workshop.closed_at = workshop.created_at
    db.session.commit()
    with hub.app_context():
        again = export.export_workshop(db.session.get(Workshop, 1))
    with pytest.raises(importer.ImportRefused) as refused:
        _import(again, users["admin"])
    assert refused.value.code == "workshop_closed"


def test_no_key_no_bundle(app, users):
    with pytest.raises(importer.ImportRefused) as refused:
        _import(b"x", users["admin"])
    assert refused.value.code == "no_key"
