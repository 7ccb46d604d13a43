"""Hub seeds: prepared at the centre (the suite's database), loaded on a hub (a file).

The round trip a workshop makes: prepare -> load on the laptop -> work offline ->
export -> import at the centre, matching the people the centre already has.
"""

import io
import json
import socket
import zipfile

import pytest
import segno
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
    CriterionCheck,
    Enrolment,
    HubRecord,
    ModuleCompletion,
    QuizAttempt,
    SetupCode,
    User,
    VettingCase,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from curriculum.models.hub import HubSeed
from curriculum.services import geography, progress, quizzes, setup_codes, workshops
from curriculum.services.hub import bundle, export, importer, prepare, seed, serve
from tests.factories import (
    accounts_user,
    answers_scoring,
    enrol_people,
    login,
    make_user,
    make_workshop,
)

KEY = "a-shared-test-signing-key-0123456789"
SECRET_NOTE = "seen-drinking-at-the-market-0xC0FFEE"


@pytest.fixture()
def signed(app):
    app.config.update(HUB_SIGNING_KEY=KEY)
    yield
    app.config.update(HUB_SIGNING_KEY="")


def _hub_app(path, hub_id="hall-1"):
    class HubConfig(config.TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
            self.HUB_ID = hub_id
            self.HUB_SIGNING_KEY = KEY

    hub_app = create_app(HubConfig)
    with hub_app.app_context():
        upgrade()
        geography.ensure_provinces()
    return hub_app


@pytest.fixture()
def hub(tmp_path):
    """A second app, the hub, on its own SQLite file with no communes yet."""
    hub_app = _hub_app(tmp_path / "hub.sqlite3")
    yield hub_app
    with hub_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def centre(app, places, signed):
    """At the centre: a workshop with three trainees, a card, a pass, and another one."""
    fac = make_user("fac", "facilitator", commune=places["pursat_a"])
    cofac = make_user("cofac", "facilitator", commune=places["pursat_a"])
    workshop = make_workshop(fac, places["pursat_a"], cofacilitators=[cofac])
    people = enrol_people(workshop, fac, 2, commune=places["pursat_a"])
    # One lives in another province: the seed brings that commune too.
    far = make_user("far", tracks=["police"], commune=places["prey_veng"])
    workshops.enrol(workshop, far, fac)
    newcomer = accounts_user("newcomer", "ថ្មី ណាស់", commune=places["pursat_a"])
    workshops.enrol(workshop, newcomer, fac)
    code = setup_codes.issue_codes([newcomer], fac)[newcomer.id]
    module = catalog().module(workshop.module_keys[0])
    quiz = catalog().quiz(module.quiz_key)
    attempt, _ = quizzes.submit_attempt(
        people[0],
        quiz,
        answers_scoring(quiz),
        token=quizzes.new_attempt_token(),
        locale="km",
    )
    assert attempt.passed

    other_fac = make_user("otherfac", "facilitator", commune=places["pursat_b"])
    other = make_workshop(other_fac, places["pursat_b"])
    outsiders = enrol_people(
        other, other_fac, 1, commune=places["pursat_b"], prefix="o"
    )
    candidate = make_user("candidate", tracks=["cmg"], commune=places["pursat_a"])
    workshops.enrol(workshop, candidate, fac)
    case = VettingCase(candidate_id=candidate.id, criteria_version="1")
    db.session.add(case)
    db.session.flush()
    db.session.add(
        CriterionCheck(
            case_id=case.id,
            criterion_key="conduct",
            met=False,
            evidence_note=SECRET_NOTE,
            checked_by_id=fac.id,
            criteria_version="1",
        )
    )
    db.session.commit()
    return {
        "workshop": workshop,
        "other": other,
        "fac": fac,
        "cofac": cofac,
        "people": people,
        # Plain values for use inside the hub's context, where the centre's objects
        # must not be touched (a refresh there would read the hub's database).
        "usernames": [p.username for p in people],
        "outsider_name": outsiders[0].username,
        "far": far,
        "newcomer": newcomer,
        "code": code,
        "module": module,
        "outsider": outsiders[0],
        "other_fac": other_fac,
    }


def _prepare(workshop) -> bytes:
    with current_app.test_request_context("/?lang=en"):
        return prepare.prepare_seed(workshop)


def _document(raw: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return json.loads(archive.read(bundle.JSON_NAME))


def _load(hub_app, raw: bytes) -> seed.LoadResult:
    with hub_app.app_context(), hub_app.test_request_context("/?lang=en"):
        return seed.load_seed(raw)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _hub_counts(hub_app) -> tuple:
    models = (User, Workshop, WorkshopSession, Enrolment, SetupCode)
    models += (ModuleCompletion, QuizAttempt, HubRecord, HubSeed)
    with hub_app.app_context():
        return tuple(_count(m) for m in models)


# -- the seed --------------------------------------------------------------------------
def test_seed_holds_the_workshop_people_and_nothing_else(centre):
    raw = _prepare(centre["workshop"])
    document = _document(raw)
    assert document["format"] == "safe-homes-hub-seed"
    usernames = {p["username"] for p in document["people"]}
    expected = {"fac", "cofac", "far", "newcomer", "candidate"}
    expected |= {p.username for p in centre["people"]}
    assert usernames == expected
    text = json.dumps(document, ensure_ascii=False)
    assert centre["outsider"].username not in text
    assert centre["other_fac"].username not in text
    assert SECRET_NOTE not in text
    assert set(document) == {
        "format",
        "version",
        "seed_id",
        "created_at",
        "curriculum",
        "setup_code_key_id",
        "places",
        "workshop",
        "people",
        "enrolments",
        "setup_codes",
        "module_completions",
    }
    assert document["workshop"]["central_id"] == centre["workshop"].id
    assert all(p["central_id"] for p in document["people"])
    communes = {c["code"] for c in document["places"]["communes"]}
    assert communes == {"150101", "140101"}
    [completion] = document["module_completions"]
    assert completion["user"] == centre["people"][0].id
    assert "answers" not in completion["attempt"]
    assert [c["user"] for c in document["setup_codes"]] == [centre["newcomer"].id]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "hub.prepare")
    )
    assert event.detail["seed_id"] == document["seed_id"]


def test_closed_workshop_is_not_prepared(centre):
    centre["workshop"].closed_at = centre["workshop"].created_at
    db.session.commit()
    with pytest.raises(bundle.BundleError, match="closed"):
        _prepare(centre["workshop"])


def test_a_hub_does_not_prepare_seeds(centre, app):
    app.config["HUB_ID"] = "hall-9"
    try:
        with pytest.raises(bundle.BundleError, match="central server"):
            _prepare(centre["workshop"])
    finally:
        app.config["HUB_ID"] = ""


def test_prepare_command_writes_a_private_file(centre, app, tmp_path):
    out = tmp_path / "seed.zip"
    result = app.test_cli_runner().invoke(
        args=["hub", "prepare", "--workshop", str(centre["workshop"].id), "--out", out]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o077 == 0
    assert (
        _document(out.read_bytes())["workshop"]["central_id"] == centre["workshop"].id
    )
    again = app.test_cli_runner().invoke(
        args=["hub", "prepare", "--workshop", str(centre["workshop"].id), "--out", out]
    )
    assert again.exit_code != 0


# -- loading it on the hub -------------------------------------------------------------
def test_participant_signs_in_on_the_hub_with_the_same_password(centre, hub):
    result = _load(hub, _prepare(centre["workshop"]))
    assert not result.already
    assert result.counts["people"] == 7
    # Each request gets its own hub context (the test holds the centre's).
    wrong = login(hub.test_client(), centre["people"][1].username, "wrong pass")
    assert wrong.status_code == 200
    client = hub.test_client()
    response = login(client, centre["people"][1].username)
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    assert client.get("/learn/").status_code == 200


def test_setup_card_printed_at_the_centre_works_on_the_hub(centre, hub):
    _load(hub, _prepare(centre["workshop"]))
    client = hub.test_client()
    with hub.app_context():
        wrong = client.post(
            "/setup/", data={"username": "newcomer", "code": "12345678"}
        )
        assert wrong.status_code == 400
        response = client.post(
            "/setup/", data={"username": "newcomer", "code": centre["code"]}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup/secret")


def test_setup_codes_are_left_out_when_the_hub_has_another_code_key(centre, hub):
    hub.config["SECRET_KEY"] = "another-secret-key-for-this-laptop"
    result = _load(hub, _prepare(centre["workshop"]))
    assert result.counts["setup_codes"] == 0
    assert any("SETUP_CODE_KEY" in note for note in result.notes)
    with hub.app_context():
        assert _count(SetupCode) == 0


def test_a_shared_setup_code_key_lets_cards_work_without_the_session_key(
    app, centre, hub
):
    # The laptop never gets the centre's SECRET_KEY, only the key of setup codes
    # (here the centre has none of its own, so its codes are keyed with SECRET_KEY).
    hub.config["SECRET_KEY"] = "another-secret-key-for-this-laptop"
    hub.config["SETUP_CODE_KEY"] = app.config["SECRET_KEY"]
    result = _load(hub, _prepare(centre["workshop"]))
    assert result.counts["setup_codes"] == 1
    client = hub.test_client()
    with hub.app_context():
        response = client.post(
            "/setup/", data={"username": "newcomer", "code": centre["code"]}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup/secret")


def test_module_completions_and_roles_arrive_so_locks_match(centre, hub):
    _load(hub, _prepare(centre["workshop"]))
    module = centre["module"]
    with hub.app_context():
        passed = db.session.scalar(
            select(User).where(User.username == centre["usernames"][0])
        )
        other = db.session.scalar(
            select(User).where(User.username == centre["usernames"][1])
        )
        assert progress.completed_modules(passed.id) == {module.key}
        assert progress.completed_modules(other.id) == set()
        assert passed.tracks == ["police"]
        assert passed.commune.code == "150101"
        far = db.session.scalar(select(User).where(User.username == "far"))
        assert far.commune.code == "140101"
        workshop = db.session.scalar(select(Workshop))
        fac = db.session.scalar(select(User).where(User.username == "fac"))
        assert fac.role == "facilitator"
        assert workshop.created_by_id == fac.id
        assert _count(WorkshopFacilitator) == 1
        assert len(workshop.sessions) == len(centre["workshop"].sessions)
        assert _count(Enrolment) == 5
        assert _count(VettingCase) == 0 and _count(CriterionCheck) == 0


def test_tampered_seed_is_refused_and_nothing_written(centre, hub):
    raw = _prepare(centre["workshop"])
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        document = json.loads(archive.read(bundle.JSON_NAME))
        signature = archive.read(bundle.SIGNATURE_NAME)
    document["people"][0]["role"] = "admin"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(bundle.JSON_NAME, json.dumps(document))
        archive.writestr(bundle.SIGNATURE_NAME, signature)
    before = _hub_counts(hub)
    with pytest.raises(bundle.BundleError, match="signature"):
        _load(hub, out.getvalue())
    assert _hub_counts(hub) == before


def test_damaged_seed_rolls_back_everything(centre, hub):
    document = _document(_prepare(centre["workshop"]))
    del document["enrolments"][-1]["number"]  # fails after places and people
    with hub.app_context():
        communes = _count(Commune)
    before = _hub_counts(hub)
    with pytest.raises(bundle.BundleError, match="damaged"):
        _load(hub, bundle.pack(document))
    assert _hub_counts(hub) == before
    with hub.app_context():
        assert _count(Commune) == communes == 0


def test_a_bundle_is_not_a_seed(centre, hub):
    raw = bundle.pack({"format": bundle.FORMAT, "version": 1})
    with pytest.raises(bundle.BundleError, match="not a hub seed"):
        _load(hub, raw)


def test_loading_twice_is_loading_once(centre, hub):
    raw = _prepare(centre["workshop"])
    _load(hub, raw)
    after = _hub_counts(hub)
    again = _load(hub, raw)
    assert again.already
    assert _hub_counts(hub) == after
    # A fresh seed of the same workshop repeats every row: it adds no row either,
    # beyond remembering that it was loaded.
    fresh = _load(hub, _prepare(centre["workshop"]))
    assert not fresh.already
    assert sum(fresh.counts.values()) == 0
    assert _hub_counts(hub)[:-1] == after[:-1]


def test_a_second_workshop_is_added_beside_the_first(centre, hub):
    _load(hub, _prepare(centre["workshop"]))
    second = _load(hub, _prepare(centre["other"]))
    assert second.counts["workshop"] == 1
    with hub.app_context():
        assert _count(Workshop) == 2
        assert _count(HubSeed) == 2
        assert db.session.scalar(
            select(User.id).where(User.username == centre["outsider_name"])
        )


def test_a_hub_keeps_the_id_it_was_prepared_under(centre, hub):
    _load(hub, _prepare(centre["workshop"]))
    hub.config["HUB_ID"] = "another-name"
    with pytest.raises(bundle.BundleError, match="HUB_ID=hall-1"):
        _load(hub, _prepare(centre["other"]))
    with hub.app_context(), hub.test_request_context("/?lang=en"):
        workshop = db.session.scalar(select(Workshop))
        # Exported under another name its rows would lose their central ids.
        with pytest.raises(bundle.BundleError, match="HUB_ID=hall-1"):
            export.export_workshop(workshop)
    hub.config["HUB_ID"] = ""
    with hub.app_context():
        assert export.current_hub_id() == "hall-1"


def test_a_username_taken_on_the_hub_refuses_the_seed(centre, hub):
    username = centre["people"][0].username
    with hub.app_context():
        make_user(username)
    before = _hub_counts(hub)
    with pytest.raises(bundle.BundleError, match="already used"):
        _load(hub, _prepare(centre["workshop"]))
    assert _hub_counts(hub) == before


# -- back to the centre ----------------------------------------------------------------
def _work_on_the_hub(hub_app, centre) -> bytes:
    """Mark attendance, pass a second module, enrol a walk-in; return the export."""
    second = catalog().module(centre["workshop"].module_keys[1])
    quiz = catalog().quiz(second.quiz_key)
    username = centre["usernames"][0]
    with hub_app.app_context():
        workshop = db.session.scalar(select(Workshop))
        person = db.session.scalar(select(User).where(User.username == username))
        db.session.add(
            Attendance(session_id=workshop.sessions[0].id, user_id=person.id)
        )
        db.session.commit()
        attempt, _ = quizzes.submit_attempt(
            person,
            quiz,
            answers_scoring(quiz),
            token=quizzes.new_attempt_token(),
            locale="km",
        )
        assert attempt.passed
        fac = db.session.scalar(select(User).where(User.username == "fac"))
        walk_in = make_user("walkin", tracks=["police"], commune=workshop.commune)
        workshops.enrol(workshop, walk_in, fac)
        return export.export_workshop(workshop), second.key


def test_export_sends_central_ids_and_not_the_seeded_completions(centre, hub):
    _load(hub, _prepare(centre["workshop"]))
    raw, second_key = _work_on_the_hub(hub, centre)
    document = _document(raw)
    assert document["workshop"]["central_id"] == centre["workshop"].id
    central = {p["username"]: p["central_id"] for p in document["people"]}
    assert central[centre["people"][0].username] == centre["people"][0].id
    assert central["fac"] == centre["fac"].id
    assert central["walkin"] is None
    assert [c["module_key"] for c in document["module_completions"]] == [second_key]
    assert len(document["quiz_attempts"]) == 1


def test_importing_the_hub_bundle_matches_the_centres_people(centre, hub):
    _load(hub, _prepare(centre["workshop"]))
    # Renamed at the centre meanwhile: only the central id can match them now.
    for person in centre["people"]:
        person.display_name = f"{person.display_name} (កែ)"
    db.session.commit()
    raw, second_key = _work_on_the_hub(hub, centre)
    users_before = _count(User)
    enrolled_before = _count(Enrolment)
    with current_app.test_request_context("/?lang=en"):
        result = importer.import_bundle(raw, None)
    assert result.conflicts == []
    assert result.counts["people"] == 1  # the walk-in only
    assert _count(User) == users_before + 1
    assert _count(Enrolment) == enrolled_before + 1
    person = centre["people"][0]
    assert progress.completed_modules(person.id) == {
        centre["module"].key,
        second_key,
    }
    assert result.counts["module_completions"] == 1
    assert result.counts["attendance"] == 1
    assert _count(Workshop) == 2  # the workshop matched: no copy of it


def test_the_centres_reports_count_the_hubs_workshop_once(centre, hub):
    """Done when a workshop runs on a hub and the centre's reports count it once."""
    from curriculum.services.reports.filters import Filters
    from curriculum.services.reports.quizzes import quiz_summaries
    from curriculum.services.reports.training import workshop_figures

    _load(hub, _prepare(centre["workshop"]))
    raw, second_key = _work_on_the_hub(hub, centre)
    quiz_key = catalog().module(second_key).quiz_key
    everything = Filters()

    def figures():
        summary = {q.quiz_key: q for q in quiz_summaries(everything)}.get(quiz_key)
        return workshop_figures(everything), summary.attempts if summary else 0

    before, attempts_before = figures()
    for _ in range(2):  # the file brought back twice, or imported by two admins
        with current_app.test_request_context("/?lang=en"):
            importer.import_bundle(raw, None)
    after, attempts_after = figures()
    assert attempts_after == attempts_before + 1
    assert after.attendances == before.attendances + 1
    assert after.enrolled == before.enrolled + 1  # the walk-in
    assert after.workshops == before.workshops  # the same workshop, not a copy


# -- serving ---------------------------------------------------------------------------
class _FakeSocket:
    def __init__(self, address: str | None) -> None:
        self.address = address
        self.connected = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def connect(self, target):
        if self.address is None:
            raise OSError("Network is unreachable")
        self.connected = target

    def getsockname(self):
        return (self.address, 40000)


def test_lan_ip_is_the_address_the_packets_would_leave_from(monkeypatch):
    made = []

    def fake(*args):
        made.append(_FakeSocket("192.168.43.17"))
        return made[-1]

    monkeypatch.setattr(serve.socket, "socket", fake)
    assert serve.lan_ip() == "192.168.43.17"
    assert made[0].connected == (serve.PROBES[0], 1)


def test_lan_ip_falls_back_to_loopback(monkeypatch):
    monkeypatch.setattr(serve.socket, "socket", lambda *a: _FakeSocket(None))
    assert serve.lan_ip() == "127.0.0.1"
    monkeypatch.setattr(serve.socket, "socket", lambda *a: _FakeSocket("127.0.1.1"))
    assert serve.lan_ip() == "127.0.0.1"


def test_lan_ip_on_this_machine_is_an_ipv4_address():
    address = serve.lan_ip()
    socket.inet_aton(address)
    assert address.count(".") == 3


def _from_text(text: str) -> list[list[int]]:
    """Read the modules back from the half-block drawing (without ANSI colours)."""
    top = {" ": 0, "▀": 1, "▄": 0, "█": 1}
    bottom = {" ": 0, "▀": 0, "▄": 1, "█": 1}
    rows = []
    for line in text.splitlines():
        rows.append([top[c] for c in line])
        rows.append([bottom[c] for c in line])
    return rows


def test_terminal_qr_code_draws_the_modules_of_the_address():
    url = "http://192.168.1.20:8000"
    drawn = _from_text(serve.qr_text(url, ansi=False))
    matrix = [list(r) for r in segno.make(url, error="m").matrix]
    size = len(matrix)
    assert [row[2 : 2 + size] for row in drawn[2 : 2 + size]] == matrix
    assert all(not any(row) for row in drawn[:2])
    other = _from_text(serve.qr_text("http://10.0.0.5:8000", ansi=False))
    assert other != drawn
    coloured = serve.qr_text(url, ansi=True)
    assert coloured.startswith("\x1b[30;47m")


def test_svg_qr_code_is_inline_and_titled():
    svg = serve.qr_svg("http://192.168.1.20:8000")
    assert svg.startswith("<svg")
    assert "<title>http://192.168.1.20:8000</title>" in svg
    assert svg != serve.qr_svg("http://192.168.1.21:8000")


def test_join_url_is_short():
    assert serve.join_url("192.168.1.20", 8000) == "http://192.168.1.20:8000"
    assert serve.join_url("192.168.1.20", 80) == "http://192.168.1.20"


def test_hub_database_is_sqlite_only(tmp_path):
    assert serve.database_path(None, None, tmp_path) == tmp_path / "hub.sqlite3"
    assert serve.database_path(None, f"sqlite:///{tmp_path}/x.db", tmp_path) == (
        tmp_path / "x.db"
    )
    assert serve.database_path("other.db", "postgresql://h/db", tmp_path).name == (
        "other.db"
    )
    with pytest.raises(serve.HubServeError, match="SQLite"):
        serve.database_path(None, "postgresql://user@host/db", tmp_path)


def test_default_hub_id_comes_from_the_computers_name():
    assert serve.default_hub_id("Pursat_Laptop 2.local") == "hub-pursat-laptop-2"
    assert serve.default_hub_id("...") == "hub-laptop"
    assert serve.default_hub_id("x" * 100).startswith("hub-x")
    assert len(serve.default_hub_id("x" * 100)) == 64


def test_banner_warns_in_khmer_and_english_and_gives_the_address():
    lines = serve.banner("http://192.168.1.20:8000", ansi=False)
    text = "\n".join(lines)
    assert "private Wi-Fi" in text
    assert "ឯកជន" in text  # "private"
    assert "http://192.168.1.20:8000" in text


def test_set_up_builds_the_hub_and_names_it(centre, tmp_path, monkeypatch):
    raw = _prepare(centre["workshop"])
    monkeypatch.delenv("HUB_ID", raising=False)
    path = tmp_path / "laptop.sqlite3"

    class Quiet(serve.hub_config(path)):
        HUB_ID = ""
        HUB_SIGNING_KEY = KEY
        ARGON2_PARAMS = config.TestConfig.ARGON2_PARAMS

    laptop = create_app(Quiet)
    monkeypatch.setattr(serve.socket, "gethostname", lambda: "Hall-Laptop")
    done = serve.set_up(laptop, [raw])
    assert done.hub_id == "hub-hall-laptop"
    assert done.workshops == 1
    assert done.loaded[0].counts["people"] == 7
    # Started again, under another computer name: it keeps the id of its seeds.
    again = create_app(Quiet)
    monkeypatch.setattr(serve.socket, "gethostname", lambda: "Renamed")
    repeat = serve.set_up(again, [raw])
    assert repeat.hub_id == "hub-hall-laptop"
    assert repeat.loaded[0].already
    with again.app_context():
        assert _count(User) == 7
        db.engine.dispose()
    renamed = create_app(Quiet)
    renamed.config["HUB_ID"] = "someone-else"
    with pytest.raises(serve.HubServeError, match="HUB_ID=hub-hall-laptop"):
        serve.set_up(renamed, [])
    with renamed.app_context():
        db.engine.dispose()


def test_serve_command_refuses_another_database(monkeypatch, app):
    from curriculum.cli import hub_serve

    monkeypatch.setenv("DATABASE_URL", "postgresql://user@host/db")
    result = app.test_cli_runner().invoke(hub_serve, [])
    assert result.exit_code != 0
    assert "SQLite" in result.output


# -- the join page ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("trainee", 403), ("committee", 403), ("facilitator", 200), ("admin", 200)],
)
def test_join_page_is_for_those_who_run_workshops(app, users, as_user, role, status):
    app.config.update(HUB_ID="hall-1", HUB_JOIN_URL="http://192.168.1.20:8000")
    try:
        client = as_user(users[role])
        response = client.get("/hub/join")
        assert response.status_code == status
        if status == 200:
            page = response.get_data(as_text=True)
            assert "http://192.168.1.20:8000" in page
            assert "<svg" in page
    finally:
        app.config.update(HUB_ID="", HUB_JOIN_URL="")


def test_join_page_asks_anonymous_visitors_to_sign_in(app, client):
    app.config.update(HUB_ID="hall-1")
    try:
        response = client.get("/hub/join")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    finally:
        app.config.update(HUB_ID="")


def test_join_page_does_not_exist_off_a_hub(app, users, as_user):
    client = as_user(users["admin"])
    assert client.get("/hub/join").status_code == 404


def test_join_page_without_a_known_address_uses_the_lan_ip(
    app, users, as_user, monkeypatch
):
    monkeypatch.setattr(serve, "lan_ip", lambda: "10.1.2.3")
    app.config.update(HUB_ID="hall-1", HUB_JOIN_URL="")
    try:
        client = as_user(users["facilitator"])
        page = client.get("/hub/join").get_data(as_text=True)
        assert "http://10.1.2.3" in page
    finally:
        app.config.update(HUB_ID="")


def test_password_hash_is_copied_not_the_session(centre, hub):
    person = centre["people"][0]
    username, password_hash, token = (
        person.username,
        person.password_hash,
        person.session_token,
    )
    _load(hub, _prepare(centre["workshop"]))
    with hub.app_context():
        on_hub = db.session.scalar(select(User).where(User.username == username))
        assert on_hub.password_hash == password_hash
        assert on_hub.session_token != token


def test_hub_cookies_work_over_plain_http(tmp_path):
    class Secure(config.Config):
        SESSION_COOKIE_SECURE = True
        HSTS = True

    laptop = create_app(serve.hub_config(tmp_path / "h.sqlite3", Secure))
    assert laptop.config["SESSION_COOKIE_SECURE"] is False
    assert laptop.config["HSTS"] is False
    assert laptop.config["SQLALCHEMY_DATABASE_URI"].endswith("h.sqlite3")
