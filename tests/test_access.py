"""The access matrix: every endpoint x every role, built from the app's url_map."""

from datetime import date

import pytest

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import Certificate
from curriculum.services import quizzes, workshops
from curriculum.services.certificates import new_code
from tests.factories import make_user

ROLES = ("anonymous", "trainee", "facilitator", "committee", "admin")
LOGIN = "login"  # a redirect to the sign-in page

# endpoint -> method -> expected status per role, in the order of ROLES.
EXPECTED = {
    "main.index": {"GET": (LOGIN, 302, 302, 302, 302)},
    "main.set_language": {"POST": (302, 302, 302, 302, 302)},
    "auth.login": {"GET": (200, 302, 302, 302, 302), "POST": (200, 302, 302, 302, 302)},
    "auth.logout": {"POST": (LOGIN, 302, 302, 302, 302)},
    "auth.password": {
        "GET": (LOGIN, 200, 200, 200, 200),
        "POST": (LOGIN, 200, 200, 200, 200),
    },
    "learn.home": {"GET": (LOGIN, 200, 403, 403, 403)},
    "learn.catalogue": {"GET": (LOGIN, 200, 200, 200, 200)},
    "learn.glossary": {"GET": (200, 200, 200, 200, 200)},
    "learn.module": {"GET": (LOGIN, 200, 200, 200, 200)},
    "learn.lesson": {"GET": (LOGIN, 200, 200, 200, 200)},
    "quiz.take": {
        "GET": (LOGIN, 200, 403, 403, 403),
        "POST": (LOGIN, 400, 403, 403, 403),
    },
    "quiz.result": {"GET": (LOGIN, 200, 403, 403, 403)},
    "committee.candidates": {"GET": (LOGIN, 403, 403, 200, 200)},
    "committee.candidate": {"GET": (LOGIN, 403, 403, 200, 200)},
    "committee.check": {"POST": (LOGIN, 403, 403, 400, 403)},
    "committee.decide": {"POST": (LOGIN, 403, 403, 400, 403)},
    "committee.concern": {"POST": (LOGIN, 403, 403, 400, 403)},
    "committee.export_case": {"POST": (LOGIN, 403, 403, 400, 403)},
    "committee.export_members": {"POST": (LOGIN, 403, 403, 400, 400)},
    "learn.vetting_status": {"GET": (LOGIN, 403, 403, 403, 403)},
    "cmg.report": {
        "GET": (LOGIN, 403, 403, 403, 403),
        "POST": (LOGIN, 403, 403, 403, 403),
    },
    "reports.overview": {"GET": (LOGIN, 403, 403, 200, 200)},
    "reports.learning": {"GET": (LOGIN, 403, 403, 200, 200)},
    "reports.attitude": {"GET": (LOGIN, 403, 403, 200, 200)},
    "reports.cmg": {"GET": (LOGIN, 403, 403, 200, 200)},
    "reports.trends": {"GET": (LOGIN, 403, 403, 200, 200)},
    "reports.quality": {"GET": (LOGIN, 403, 403, 403, 200)},
    "reports.summary": {"GET": (LOGIN, 403, 403, 200, 200)},
    # Staff enter members' past months; the world's candidate is not yet a member.
    "cmg.members": {"GET": (LOGIN, 403, 200, 200, 200)},
    "cmg.import_reports": {
        "GET": (LOGIN, 403, 403, 403, 200),
        "POST": (LOGIN, 403, 403, 403, 400),
    },
    "cmg.import_template": {"GET": (LOGIN, 403, 403, 403, 200)},
    "cmg.member_report": {
        "GET": (LOGIN, 403, 404, 404, 404),
        "POST": (LOGIN, 403, 404, 404, 404),
    },
    "reports.export": {"GET": (LOGIN, 403, 403, 200, 200)},
    "reports.groups": {
        "GET": (LOGIN, 403, 403, 403, 200),
        "POST": (LOGIN, 403, 403, 403, 302),
    },
    "admin.content": {"GET": (LOGIN, 403, 403, 403, 200)},
    # Translation review: admins, and staff an admin made reviewers (test_review.py).
    "review.index": {"GET": (LOGIN, 403, 403, 403, 200)},
    "review.group": {
        "GET": (LOGIN, 403, 403, 403, 200),
        "POST": (LOGIN, 403, 403, 403, 400),
    },
    "review.spelling": {"GET": (LOGIN, 403, 403, 403, 200)},
    # Narration: admins and reviewers record and approve (tests/test_narration.py);
    # a recording's file only once approved, or to narrators (none has this hash).
    "narration.index": {"GET": (LOGIN, 403, 403, 403, 200)},
    "narration.lesson": {"GET": (LOGIN, 403, 403, 403, 200)},
    "narration.quiz": {"GET": (LOGIN, 403, 403, 403, 200)},
    "narration.record": {"POST": (LOGIN, 403, 403, 403, 302)},
    "narration.review": {"POST": (LOGIN, 403, 403, 403, 404)},
    "narration.audio_file": {"GET": (LOGIN, 404, 404, 404, 404)},
    "hub_import.upload": {
        "GET": (LOGIN, 403, 403, 403, 200),
        "POST": (LOGIN, 403, 403, 403, 400),
    },
    "admin.certificate": {
        "GET": (LOGIN, 403, 403, 403, 200),
        "POST": (LOGIN, 403, 403, 403, 400),
    },
    "quiz.measure": {
        "GET": (LOGIN, 200, 403, 403, 403),
        "POST": (LOGIN, 400, 403, 403, 403),
    },
    "certificates.mine": {"GET": (LOGIN, 200, 403, 403, 403)},
    "certificates.verify": {"GET": (200, 200, 200, 200, 200)},
    "certificates.verify_code": {"GET": (200, 200, 200, 200, 200)},
    "setup.start": {
        "GET": (200, 302, 302, 302, 302),
        "POST": (400, 302, 302, 302, 302),
    },
    "setup.secret": {
        "GET": (302, 302, 302, 302, 302),
        "POST": (302, 302, 302, 302, 302),
    },
    "workshops.index": {"GET": (LOGIN, 403, 200, 403, 200)},
    "workshops.new": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "workshops.show": {"GET": (LOGIN, 403, 200, 403, 200)},
    "workshops.edit": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "workshops.close": {"POST": (LOGIN, 403, 302, 403, 302)},
    "workshops.reopen": {"POST": (LOGIN, 403, 302, 403, 302)},
    "workshops.sessions": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "workshops.session_edit": {"POST": (LOGIN, 403, 302, 403, 302)},
    "roster.roster": {"GET": (LOGIN, 403, 200, 403, 200)},
    "roster.enrol": {"POST": (LOGIN, 403, 400, 403, 400)},
    "roster.unenrol": {"POST": (LOGIN, 403, 302, 403, 302)},
    "roster.create_participant": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "roster.import_roster": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "roster.import_template": {"GET": (LOGIN, 403, 200, 403, 200)},
    "setup_cards.reissue": {"POST": (LOGIN, 403, 302, 403, 302)},
    "setup_cards.cards": {"GET": (LOGIN, 403, 200, 403, 200)},
    "setup_cards.forget_cards": {"POST": (LOGIN, 403, 302, 403, 302)},
    "sheets.signin_sheet": {"GET": (LOGIN, 403, 200, 403, 200)},
    "sheets.answer_sheet": {"GET": (LOGIN, 403, 200, 403, 200)},
    "classroom.attendance": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "classroom.attendance_queued": {"POST": (401, 403, 409, 403, 409)},
    "classroom.present": {"GET": (LOGIN, 403, 200, 403, 200)},
    "classroom.present_lesson": {"GET": (LOGIN, 403, 200, 403, 200)},
    "paper.paper": {"GET": (LOGIN, 403, 200, 403, 200)},
    "paper.paper_entry": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "paper.measure": {"GET": (LOGIN, 403, 200, 403, 200)},
    "paper.measure_entry": {
        "GET": (LOGIN, 403, 200, 403, 200),
        "POST": (LOGIN, 403, 400, 403, 400),
    },
    "workshop_report.report": {"GET": (LOGIN, 403, 200, 403, 200)},
    "workshop_report.report_csv": {"GET": (LOGIN, 403, 200, 403, 200)},
    "offline.manifest": {"GET": (200, 200, 200, 200, 200)},
    "offline.service_worker": {"GET": (200, 200, 200, 200, 200)},
    "offline.fallback": {"GET": (200, 200, 200, 200, 200)},
    "offline.saved": {"GET": (LOGIN, 200, 403, 403, 403)},
    "offline.saved_json": {"GET": (LOGIN, 200, 403, 403, 403)},
    "offline.token": {"GET": (401, 200, 200, 200, 200)},
    "offline.replay": {"POST": (401, 409, 403, 403, 403)},
    # Only on a workshop hub (HUB_ID set); off a hub the page does not exist for anyone.
    # On a hub: tests/test_hub_prepare.py checks each role.
    "hub_join.join": {"GET": (404, 404, 404, 404, 404)},
}
IGNORED = {"static"}


def test_every_endpoint_has_an_entry_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints == set(EXPECTED), "add new endpoints to EXPECTED"
    for rule in app.url_map.iter_rules():
        if rule.endpoint in IGNORED:
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        assert methods == set(EXPECTED[rule.endpoint]), rule.endpoint


@pytest.fixture()
def world(app, users, places):
    """Objects the URLs point at: a module, a lesson, a quiz, an attempt, a candidate."""
    module = catalog().modules[0]
    quiz = catalog().quiz(module.quiz_key)
    attempt, _ = quizzes.submit_attempt(
        users["trainee"], quiz, {}, token=quizzes.new_attempt_token(), locale="km"
    )
    certificate = Certificate(
        user_id=users["trainee"].id, track="police", code=new_code()
    )
    db.session.add(certificate)
    db.session.commit()
    workshop = workshops.create_workshop(
        users["facilitator"],
        title="Workshop",
        commune=places["pursat_a"],
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 3, 2),
        module_keys=[module.key],
        cofacilitators=[],
        sessions_per_day=1,
    )
    workshops.enrol(workshop, users["trainee"], users["facilitator"])
    return {
        "workshop_id": workshop.id,
        "session_number": 1,
        "participant": 1,
        "name": "reach",
        "fmt": "csv",
        "instrument": catalog().track("police").knowledge_test,
        "phase": "pre",
        "track": "police",
        "code": certificate.code,
        "module_key": module.key,
        "group": module.key,
        "lesson_key": module.lessons[0].key,
        "quiz_key": quiz.key,
        "attempt_id": attempt.id,
        "user_id": users["candidate"].id,
        "narration_id": 999999,
        "sha256": "0" * 64,
    }


def _url(app, rule, world):
    values = {arg: world[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _cases():
    for endpoint, methods in sorted(EXPECTED.items()):
        for method, statuses in methods.items():
            for role, status in zip(ROLES, statuses, strict=True):
                yield pytest.param(
                    endpoint, method, role, status, id=f"{endpoint}-{method}-{role}"
                )


@pytest.mark.parametrize(("endpoint", "method", "role", "expected"), list(_cases()))
def test_access_matrix(
    app, client, users, world, as_user, endpoint, method, role, expected
):
    if role != "anonymous":
        as_user(users[role])
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = _url(app, rule, world)
    response = client.open(url, method=method, data={})
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:300]


def test_trainee_cannot_open_another_trainees_attempt(
    app, client, users, world, as_user
):
    other = make_user("other", tracks=["police"])
    as_user(other)
    assert client.get(f"/quiz/attempts/{world['attempt_id']}").status_code == 404


def test_committee_of_pursat_cannot_see_prey_veng_candidates(
    app, client, users, places, as_user
):
    far = make_user("far", tracks=["cmg"], commune=places["prey_veng"])
    as_user(users["committee"])
    assert client.get(f"/committee/candidates/{far.id}").status_code == 404
    assert (
        client.get(f"/committee/candidates/{users['candidate'].id}").status_code == 200
    )


def test_commune_committee_sees_only_its_commune(app, client, users, places, as_user):
    commune_committee = make_user("cc", "committee", commune=places["pursat_b"])
    as_user(commune_committee)
    # Same province, other commune: not found.
    assert (
        client.get(f"/committee/candidates/{users['candidate'].id}").status_code == 404
    )
    near = make_user("near", tracks=["cmg"], commune=places["pursat_b"])
    assert client.get(f"/committee/candidates/{near.id}").status_code == 200


def test_committee_cannot_open_a_trainee_who_is_not_a_candidate(
    app, client, users, as_user
):
    as_user(users["committee"])
    assert client.get(f"/committee/candidates/{users['trainee'].id}").status_code == 404


def test_committee_without_scope_sees_no_one(app, client, users, as_user):
    unscoped = make_user("unscoped", "committee")
    as_user(unscoped)
    assert (
        client.get(f"/committee/candidates/{users['candidate'].id}").status_code == 404
    )
    assert users["candidate"].display_name not in client.get("/committee/").get_data(
        True
    )


def _first_role_with_200(statuses):
    return next(
        (role for role, status in zip(ROLES, statuses, strict=True) if status == 200),
        None,
    )


GET_PAGES = [
    pytest.param(endpoint, _first_role_with_200(methods["GET"]), id=endpoint)
    for endpoint, methods in sorted(EXPECTED.items())
    if "GET" in methods and _first_role_with_200(methods["GET"])
]


@pytest.mark.parametrize(("endpoint", "role"), GET_PAGES)
def test_every_page_sends_the_security_headers(
    app, client, users, world, as_user, endpoint, role
):
    if role != "anonymous":
        as_user(users[role])
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    response = client.get(_url(app, rule, world))
    assert response.status_code == 200
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if role != "anonymous":
        assert headers["Cache-Control"] == "no-store"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert (
            "<script>" not in html and " style=" not in html and " onclick=" not in html
        )
