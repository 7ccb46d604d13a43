"""The centre's side of the workshop hub: the upload page, conflicts, races, the command.

Bundles are made by the real export service on a second app (the hub, its own SQLite
file); edge cases change an exported document and sign it again with the shared key.
"""

import io
import json
import re
import threading
import zipfile
from datetime import date

import pytest
from flask_babel import force_locale
from flask_migrate import upgrade
from markupsafe import escape
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
    HubRecord,
    QuizAttempt,
    User,
    Workshop,
    WorkshopSession,
)
from curriculum.services import geography, workshops
from curriculum.services.hub import bundle, export, importer
from curriculum.views import hub_messages
from tests.factories import accounts_user, audit_actions, make_user, make_workshop

KEY = "a-shared-test-signing-key-0123456789"
PAGE = "/admin/hub"


@pytest.fixture()
def signed(app):
    app.config.update(HUB_SIGNING_KEY=KEY)
    yield app
    app.config.update(HUB_SIGNING_KEY="")


@pytest.fixture()
def hub(tmp_path):
    """A second app, the hub, on its own SQLite file, with the commune 150101."""
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


def hub_workshop(hub_app, names=("សុខ ជា", "ចាន់ ធី"), staff="facilitator"):
    """Hold a workshop on the hub (one session, all present, a paper quiz each)."""
    quiz = next(iter(catalog().quizzes.values()))
    with hub_app.app_context():
        commune = db.session.scalar(select(Commune).where(Commune.code == "150101"))
        fac = make_user(staff, "facilitator", commune=commune)
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


def document_of(raw: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return json.loads(archive.read(bundle.JSON_NAME))


def changed(raw: bytes, change) -> bytes:
    """Return the bundle with its document changed and signed again (a real hub's)."""
    document = document_of(raw)
    change(document)
    return bundle.pack(document)


def tampered(raw: bytes) -> bytes:
    """Return the bundle with a score raised and the old signature kept."""
    document = document_of(raw)
    document["quiz_attempts"][0]["percent"] = 100
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        signature = archive.read(bundle.SIGNATURE_NAME)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(bundle.JSON_NAME, json.dumps(document))
        archive.writestr(bundle.SIGNATURE_NAME, signature)
    return out.getvalue()


def upload(client, raw: bytes, lang="en", **extra):
    return client.post(
        f"{PAGE}?lang={lang}",
        data={"file": (io.BytesIO(raw), "hub-hall-1-workshop-1.zip")} | extra,
        content_type="multipart/form-data",
    )


def central_counts() -> tuple:
    models = (User, Workshop, Enrolment, Attendance, QuizAttempt, HubImport, HubRecord)
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def service_import(app, raw: bytes, actor):
    with app.test_request_context("/?lang=en"):
        return importer.import_bundle(raw, actor)


def sentence(app, lang: str, make) -> str:
    """Return a message as the compiled catalogue words it, HTML-escaped."""
    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        return str(escape(make()))


def refusals() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "hub.import_refused")
        )
    )


# -- the page ----------------------------------------------------------------------


def test_an_admin_uploads_a_bundle_and_sees_what_was_added(
    client, users, as_user, signed, hub
):
    raw = hub_workshop(hub)
    before = central_counts()
    as_user(users["admin"])
    response = upload(client, raw)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    assert "The bundle is imported" in html
    # Two new people (the hub's facilitator is the central one), two of each record.
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', html))
    assert counts["New people"] == "2"
    assert counts["Enrolments"] == "2"
    assert counts["Attendance marks"] == "2"
    assert counts["Quiz attempts"] == "2"
    assert "No conflicts." in html
    after = central_counts()
    assert after[:5] == (before[0] + 2, before[1] + 1, 2, 2, 2)
    assert after[5] == 1
    # The list of past imports shows it: hub id, the bundle id's start, who.
    bundle_id = document_of(raw)["bundle_id"]
    assert "hall-1" in html and bundle_id[:8] in html
    assert users["admin"].display_name in html
    assert "hub.import" in audit_actions()


def test_the_page_and_its_counts_in_khmer(client, users, as_user, signed, hub):
    raw = hub_workshop(hub)
    as_user(users["admin"])
    html = upload(client, raw, lang="km").get_data(as_text=True)
    assert '<html lang="km">' in html
    label = sentence(
        client.application, "km", lambda: hub_messages.COUNT_LABELS["people"]
    )
    assert f'<th scope="row">{label}</th><td>២</td>' in html


def test_the_same_file_again_says_when_and_by_whom_and_changes_nothing(
    client, users, as_user, signed, hub
):
    raw = hub_workshop(hub)
    as_user(users["admin"])
    assert upload(client, raw).status_code == 200
    after = central_counts()
    events = len(audit_actions())
    response = upload(client, raw)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This bundle was already imported on " in html
    assert f"by {users['admin'].display_name}. Nothing was changed." in html
    assert "The bundle is imported" not in html
    assert central_counts() == after
    assert len(audit_actions()) == events


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_changed_file_is_refused_with_nothing_written(
    app, client, users, as_user, signed, hub, lang
):
    raw = tampered(hub_workshop(hub))
    before = central_counts()
    as_user(users["admin"])
    response = upload(client, raw, lang=lang)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<html lang="{lang}">' in html
    wanted = sentence(
        app,
        lang,
        lambda: hub_messages.refusal_message(importer.ImportRefused("bad_signature")),
    )
    assert wanted in html
    english = sentence(
        app,
        "en",
        lambda: hub_messages.refusal_message(importer.ImportRefused("bad_signature")),
    )
    if lang == "km" and wanted != english:
        assert english not in html
    assert central_counts() == before
    (event,) = refusals()
    assert event.detail == {"reason": "bad_signature"}
    assert event.actor_id == users["admin"].id


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda raw: b"PK\x03\x04 not really a zip", "not_zip"),
        (lambda raw: b"%PDF-1.4", "not_zip"),
        (
            lambda raw: bundle.pack({"format": "something-else", "version": 1}),
            "not_a_bundle",
        ),
        (
            lambda raw: changed(raw, lambda d: d.update(version=7)),
            "wrong_version",
        ),
        (
            lambda raw: changed(raw, lambda d: d["workshop"].update(commune_code="9")),
            "commune_unknown",
        ),
        (
            lambda raw: changed(
                raw, lambda d: d["attendance"][0].update(marked_at="x")
            ),
            "damaged",
        ),
    ],
)
def test_a_bad_bundle_is_refused_with_its_reason(
    client, users, as_user, signed, hub, make, code
):
    raw = make(hub_workshop(hub))
    before = central_counts()
    as_user(users["admin"])
    response = upload(client, raw)
    assert response.status_code == 400
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert central_counts() == before
    assert [e.detail["reason"] for e in refusals()] == [code]


def test_a_server_without_a_key_refuses_and_says_why(app, client, users, as_user, hub):
    raw = hub_workshop(hub)
    as_user(users["admin"])
    html = upload(client, raw).get_data(as_text=True)
    assert "HUB_SIGNING_KEY" in html
    assert [e.detail["reason"] for e in refusals()] == ["no_key"]


def test_a_workshop_closed_centrally_is_refused_on_the_page(
    app, client, users, as_user, signed, hub
):
    raw = hub_workshop(hub)
    service_import(app, raw, users["admin"])
    workshop = db.session.scalar(select(Workshop))
    workshop.closed_at = workshop.created_at
    db.session.commit()
    with hub.app_context():
        again = export.export_workshop(db.session.get(Workshop, 1))
    as_user(users["admin"])
    html = upload(client, again).get_data(as_text=True)
    assert "is closed on the central server" in html
    assert [e.detail["reason"] for e in refusals()] == ["workshop_closed"]


def test_an_oversized_file_is_refused_on_the_page(client, users, as_user, signed):
    before = central_counts()
    as_user(users["admin"])
    # A body written by hand: the test client would spool a large file to disk.
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; '
        b'filename="big.zip"\r\nContent-Type: application/zip\r\n\r\n'
        + b"x" * (importer.MAX_BUNDLE_BYTES + 1)
        + b"\r\n--B--\r\n"
    )
    response = client.post(
        f"{PAGE}?lang=en", data=body, content_type="multipart/form-data; boundary=B"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "too large to be a hub bundle" in html
    assert 'enctype="multipart/form-data"' in html  # the form is there to try again
    assert central_counts() == before
    assert [e.detail for e in refusals()] == [{"reason": "too_large"}]


def test_the_bundle_limit_is_the_apps_upload_limit(app):
    assert importer.MAX_BUNDLE_BYTES == app.config["MAX_CONTENT_LENGTH"]


def test_the_service_refuses_an_oversized_file_too(app, users, signed):
    with pytest.raises(importer.ImportRefused) as refused:
        service_import(app, b"x" * (importer.MAX_BUNDLE_BYTES + 1), users["admin"])
    assert refused.value.code == "too_large"


def test_no_file_is_asked_for_again(client, users, as_user, signed):
    as_user(users["admin"])
    response = client.post(f"{PAGE}?lang=en", data={})
    assert response.status_code == 400
    assert "Choose a bundle file." in response.get_data(as_text=True)
    assert refusals() == []


@pytest.mark.parametrize("role", ["trainee", "facilitator", "committee"])
def test_only_admins_may_import(client, users, as_user, signed, hub, role):
    raw = hub_workshop(hub)
    before = central_counts()
    as_user(users[role])
    assert client.get(PAGE).status_code == 403
    assert upload(client, raw).status_code == 403
    assert central_counts() == before
    assert "Hub bundles" not in client.get("/learn/catalogue?lang=en").get_data(True)


def test_an_admin_finds_the_page_in_the_menu(client, users, as_user):
    as_user(users["admin"])
    html = client.get("/admin/content?lang=en").get_data(as_text=True)
    assert f'href="{PAGE}"' in html


def test_anonymous_is_sent_to_sign_in(client, signed, hub):
    response = upload(client, hub_workshop(hub))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_has_no_inline_style_or_script(client, users, as_user, signed, hub):
    as_user(users["admin"])
    upload(client, hub_workshop(hub))
    html = client.get(PAGE).get_data(as_text=True)
    assert " style=" not in html and "<script>" not in html


def test_the_list_of_past_imports_is_bounded(client, users, as_user):
    for n in range(55):
        db.session.add(HubImport(bundle_id=f"{n:032x}", hub_id="hall-9", counts={}))
    db.session.commit()
    as_user(users["admin"])
    html = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert html.count("<code>") == 50
    assert f"{54:032x}"[:8] in html


# -- CSRF --------------------------------------------------------------------------


def test_an_upload_without_the_forms_token_is_refused(
    app, client, users, as_user, signed, hub, monkeypatch
):
    raw = hub_workshop(hub)
    before = central_counts()
    as_user(users["admin"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert upload(client, raw).status_code == 400
    assert central_counts() == before
    html = client.get(PAGE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert upload(client, raw, csrf_token=token.group(1)).status_code == 200
    assert central_counts()[5] == 1


# -- conflicts ---------------------------------------------------------------------


def conflicts_of(result) -> list[tuple]:
    return [(c.code, c.kind, c.hub_row) for c in result.conflicts]


def hub_ids(raw: bytes, kind: str) -> list[int]:
    return [row["id"] for row in document_of(raw)[kind]]


def people_named(raw: bytes) -> dict[str, int]:
    return {p["username"]: p["id"] for p in document_of(raw)["people"]}


def test_two_hub_people_matching_one_central_person_are_both_kept_out(
    app, client, users, as_user, places, signed, hub
):
    existing = accounts_user("sok", "សុខ ជា", commune=places["pursat_a"])
    db.session.commit()
    # On the hub the facilitator made the same person twice, spaced differently.
    raw = hub_workshop(hub, names=("សុខ ជា", "សុខ  ជា", "ចាន់ ធី"))
    ids = people_named(raw)
    result = service_import(app, raw, users["admin"])
    assert sorted(conflicts_of(result)) == [
        ("same_central_person", "people", ids["p1"]),
        ("same_central_person", "people", ids["p2"]),
    ]
    assert result.counts["people"] == 1  # only ចាន់ ធី
    assert result.counts["enrolments"] == 1
    enrolled = db.session.scalars(select(Enrolment.user_id)).all()
    assert existing.id not in enrolled
    with app.test_request_context("/?lang=en"):
        text = hub_messages.conflict_message(result.conflicts[0])
    assert f"Hub person {result.conflicts[0].hub_row} was not imported" in text
    assert "(sok)" in text


def test_a_hub_person_an_id_names_wins_over_one_who_only_shares_the_name(
    app, users, places, signed, hub
):
    existing = accounts_user("sok", "សុខ ជា", commune=places["pursat_a"])
    db.session.commit()
    raw = hub_workshop(hub, names=("សុខ ជា", "សុខ  ជា"))
    ids = people_named(raw)

    def link_first(document):
        for person in document["people"]:
            if person["id"] == ids["p1"]:
                person["central_id"] = existing.id

    result = service_import(app, changed(raw, link_first), users["admin"])
    assert conflicts_of(result) == [("same_central_person", "people", ids["p2"])]
    assert result.conflicts[0].params["others"] == [ids["p1"]]
    enrolled = db.session.scalars(select(Enrolment.user_id)).all()
    assert enrolled == [existing.id]


def test_a_later_hub_account_with_the_name_of_an_imported_one_is_kept_out(
    app, users, signed, hub
):
    first = hub_workshop(hub, names=("សុខ ជា",))
    service_import(app, first, users["admin"])
    earlier = people_named(first)["p1"]
    # The facilitator made the same name again on the hub, for a second workshop.
    with hub.app_context():
        commune = db.session.scalar(select(Commune).where(Commune.code == "150101"))
        fac = db.session.scalar(select(User).where(User.username == "facilitator"))
        again = User(username="p9", display_name="សុខ  ជា", role="trainee")
        again.commune_id, again.province_id = commune.id, commune.province_id
        db.session.add(again)
        workshop = Workshop(
            title="សិក្ខាសាលា ២",
            commune_id=commune.id,
            starts_on=date(2025, 4, 1),
            ends_on=date(2025, 4, 1),
            module_keys=[],
            created_by_id=fac.id,
        )
        db.session.add(workshop)
        db.session.flush()
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=again.id, number=1))
        db.session.commit()
        second = export.export_workshop(workshop)
        later = again.id
    result = service_import(app, second, users["admin"])
    assert conflicts_of(result) == [("same_central_person", "people", later)]
    assert result.conflicts[0].params["others"] == [earlier]
    assert result.counts["people"] == 0 and result.counts["enrolments"] == 0


def test_a_name_two_central_trainees_share_is_not_guessed(
    app, client, users, as_user, places, signed, hub
):
    accounts_user("sok1", "សុខ ជា", commune=places["pursat_a"])
    accounts_user("sok2", "សុខ  ជា", commune=places["pursat_a"])
    db.session.commit()
    raw = hub_workshop(hub)
    ids = people_named(raw)
    people_before = central_counts()[0]
    as_user(users["admin"])
    html = upload(client, raw).get_data(as_text=True)
    wanted = (
        f"Hub person {ids['p1']} was not imported: 2 trainees of the same commune "
        "have this name on the central server."
    )
    assert wanted in html
    # ចាន់ ធី is new; សុខ ជា is neither created nor enrolled.
    assert central_counts()[0] == people_before + 1
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_an_attempt_graded_on_another_quiz_version_is_kept_and_reported(
    app, client, users, as_user, signed, hub
):
    raw = hub_workshop(hub)
    attempt = hub_ids(raw, "quiz_attempts")[0]

    def old_version(document):
        document["quiz_attempts"][0]["content_version"] = "an-older-version"

    as_user(users["admin"])
    html = upload(client, changed(raw, old_version)).get_data(as_text=True)
    quiz_key = document_of(raw)["quiz_attempts"][0]["quiz_key"]
    assert (
        f"Quiz attempt {attempt} from the hub was imported, but it was graded on "
        f"another version of the quiz “{quiz_key}”"
    ) in html
    versions = db.session.scalars(select(QuizAttempt.content_version)).all()
    assert "an-older-version" in versions and len(versions) == 2


def test_hub_staff_whose_username_is_a_trainee_here_is_not_matched(
    app, users, places, signed, hub
):
    trainee = make_user("dara", tracks=["police"], commune=places["pursat_a"])
    raw = hub_workshop(hub, staff="dara")
    ids = people_named(raw)
    result = service_import(app, raw, users["admin"])
    assert conflicts_of(result) == [("staff_not_staff", "people", ids["dara"])]
    workshop = db.session.scalar(select(Workshop))
    assert workshop.created_by_id == users["admin"].id
    entered = db.session.scalars(select(QuizAttempt.entered_by_id)).all()
    assert entered == [None, None]
    assert trainee.id not in db.session.scalars(select(Enrolment.user_id)).all()
    with app.test_request_context("/?lang=en"):
        text = hub_messages.conflict_message(result.conflicts[0])
    assert "the account dara on the central server is not a staff account" in text


def test_enrolment_numbers_taken_centrally_are_renumbered_and_reported(
    app, users, places, signed, hub
):
    central = make_workshop(users["facilitator"], places["pursat_a"], days=1)
    workshops.enrol(central, users["trainee"], users["facilitator"])  # number 1
    raw = hub_workshop(hub)
    enrolments = hub_ids(raw, "enrolments")
    result = service_import(
        app,
        changed(raw, lambda d: d["workshop"].update(central_id=central.id)),
        users["admin"],
    )
    assert conflicts_of(result) == [
        ("enrolment_renumbered", "enrolments", enrolments[0]),
        ("enrolment_renumbered", "enrolments", enrolments[1]),
    ]
    assert [c.params for c in result.conflicts] == [
        {"old": 1, "new": 2},
        {"old": 2, "new": 3},
    ]
    numbers = db.session.scalars(
        select(Enrolment.number).where(Enrolment.workshop_id == central.id)
    ).all()
    assert sorted(numbers) == [1, 2, 3]
    with app.test_request_context("/?lang=km"), force_locale("km"):
        text = hub_messages.conflict_message(result.conflicts[0])
    assert "២" in text  # Khmer digits on a Khmer page


def test_every_code_has_a_sentence(app):
    with app.test_request_context("/?lang=en"):
        for code in importer.REFUSAL_CODES:
            assert code in hub_messages.REFUSALS, code
            text = hub_messages.refusal_message(
                importer.ImportRefused(
                    code, max_mb=2, version="9", ours=1, commune="1", title="T"
                )
            )
            assert "%(" not in text and "Nothing was imported" in text
        for code in importer.CONFLICT_CODES:
            for phase in ("pre", "post"):
                conflict = importer.Conflict(
                    code,
                    "people",
                    7,
                    {
                        "phase": phase,
                        "username": "u",
                        "count": 2,
                        "others": [3],
                        "old": 1,
                        "new": 2,
                        "quiz": "q",
                    },
                )
                assert hub_messages.conflict_key(conflict) in hub_messages.CONFLICTS
                text = hub_messages.conflict_message(conflict)
                assert "%(" not in text and " 7" in text


# -- at the same moment ------------------------------------------------------------


def test_an_import_that_finished_first_a_moment_ago_counts_once(
    app, users, signed, hub, monkeypatch
):
    """The second import checked before the first committed: a key stops it."""
    raw = hub_workshop(hub)
    service_import(app, raw, users["admin"])
    after = central_counts()
    real = importer.previous_import
    calls = []

    def not_yet(bundle_id):
        calls.append(bundle_id)
        return None if len(calls) == 1 else real(bundle_id)

    monkeypatch.setattr(importer, "previous_import", not_yet)
    result = service_import(app, raw, users["admin"])
    assert result.already and len(calls) == 2
    assert central_counts() == after


def test_two_uploads_of_one_bundle_at_once_import_it_once(app, users, signed, hub):
    raw = hub_workshop(hub)
    admin_id = users["admin"].id
    db.session.commit()
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                with app.test_request_context("/?lang=en"):
                    actor = db.session.get(User, admin_id)
                    results.append(importer.import_bundle(raw, actor).already)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert central_counts()[5] == 1
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2


# -- the command -------------------------------------------------------------------


def test_the_command_needs_an_admin_for_a_workshop_made_on_the_hub(
    app, users, signed, hub, tmp_path
):
    raw = hub_workshop(hub, staff="hubonly")  # unknown centrally: no owner
    path = tmp_path / "bundle.zip"
    path.write_bytes(raw)
    runner = app.test_cli_runner()
    before = central_counts()
    result = runner.invoke(args=["hub", "import", str(path)])
    assert result.exit_code != 0
    assert "actor_needed" in result.output and "--as USERNAME" in result.output
    assert central_counts() == before

    result = runner.invoke(args=["hub", "import", str(path), "--as", "trainee"])
    assert result.exit_code != 0 and "no active admin" in result.output
    assert central_counts() == before

    result = runner.invoke(args=["hub", "import", str(path), "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert "imported bundle" in result.output
    assert "conflict staff_unknown: Hub person" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Workshop.created_by_id)) == users["admin"].id

    again = runner.invoke(args=["hub", "import", str(path), "--as", "admin"])
    assert again.exit_code == 0
    assert "already imported on " in again.output
    assert users["admin"].display_name in again.output


def test_the_command_prints_a_refusal_in_english(app, users, signed, hub, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(tampered(hub_workshop(hub)))
    result = app.test_cli_runner().invoke(
        args=["hub", "import", str(path), "--as", "admin"]
    )
    assert result.exit_code != 0
    assert "bad_signature: The bundle's signature does not match" in result.output
