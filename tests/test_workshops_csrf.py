"""With CSRF on, the workshop and setup forms work with their tokens, not without."""

import io
import re

import pytest
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import Attendance, Enrolment, QuizAttempt, Workshop
from tests.factories import PASSWORD, answers_scoring, as_form, make_workshop


@pytest.fixture()
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def tokens(html: str) -> dict[str, str]:
    """Return the CSRF fields of a page by name (prefixed forms have their own)."""
    found = re.findall(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"', html)
    found += [
        (name, value)
        for value, name in re.findall(
            r'value="([^"]+)"[^>]*name="([\w-]*csrf_token)"', html
        )
    ]
    return dict(found)


def sign_in(client, username):
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, **tokens(html)},
    )
    assert response.status_code == 302


def test_workshop_forms_work_with_their_tokens(csrf_app, client, users, places):
    sign_in(client, "facilitator")
    html = client.get("/workshops/new?province=15").get_data(as_text=True)
    response = client.post(
        "/workshops/new",
        data={
            "province": "15",
            "title": "CSRF",
            "commune": str(places["pursat_a"].id),
            "starts_on": "2025-03-10",
            "ends_on": "2025-03-10",
            "sessions_per_day": "2",
            "modules": [catalog().modules[0].key],
            "csrf_token": tokens(html)["csrf_token"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    workshop = db.session.scalar(select(Workshop))
    base = f"/workshops/{workshop.id}"

    html = client.get(f"{base}/roster?q=trainee").get_data(as_text=True)
    client.post(
        f"{base}/roster/add", data={"user_id": users["trainee"].id, **tokens(html)}
    )
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1

    html = client.get(f"{base}/sessions/1/attendance").get_data(as_text=True)
    client.post(
        f"{base}/sessions/1/attendance",
        data={"participant": "1", "present": "1", **tokens(html)},
    )
    assert db.session.scalar(select(func.count(Attendance.id))) == 1

    html = client.get(f"{base}/sessions").get_data(as_text=True)
    response = client.post(
        f"{base}/sessions/2",
        data={
            "s2-held_on": "2025-03-10",
            "s2-module_key": "",
            "s2-csrf_token": tokens(html)["s2-csrf_token"],
            "csrf_token": tokens(html)["csrf_token"],
        },
        follow_redirects=True,
    )
    assert "expired" not in response.get_data(as_text=True)
    client.post(f"{base}/sessions/2", data={"action": "remove", **tokens(html)})
    db.session.expire_all()
    assert len(db.session.get(Workshop, workshop.id).sessions) == 1

    quiz = catalog().quiz(catalog().modules[0].quiz_key)
    html = client.get(f"{base}/paper/{quiz.key}/1").get_data(as_text=True)
    client.post(
        f"{base}/paper/{quiz.key}/1",
        data={**as_form(answers_scoring(quiz)), **tokens(html)},
    )
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1

    html = client.get(f"{base}/roster/import").get_data(as_text=True)
    data = "name,track\r\nសុខ,police\r\n".encode()
    response = client.post(
        f"{base}/roster/import",
        data={"file": (io.BytesIO(data), "a.csv"), **tokens(html)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302

    html = client.get(f"{base}/roster").get_data(as_text=True)
    client.post(f"{base}/close", data=tokens(html))
    assert db.session.get(Workshop, workshop.id).closed_at is not None


@pytest.mark.parametrize(
    "path",
    [
        "/workshops/{w}/sessions/1/attendance",
        "/workshops/{w}/roster/add",
        "/workshops/{w}/close",
        "/workshops/{w}/roster/1/code",
        "/setup/",
    ],
)
def test_posts_without_a_token_are_refused(csrf_app, client, users, places, path):
    workshop = make_workshop(users["facilitator"], places["pursat_a"])
    if not path.startswith("/setup"):
        sign_in(client, "facilitator")
    response = client.post(
        path.format(w=workshop.id), data={"participant": "1", "present": "1"}
    )
    assert response.status_code == 400
    assert db.session.get(Workshop, workshop.id).closed_at is None


def test_setup_forms_work_with_their_tokens(csrf_app, client, users, places):
    from curriculum.services import workshops

    workshop = make_workshop(users["facilitator"], places["pursat_a"])
    created = workshops.create_participant(
        workshop,
        users["facilitator"],
        display_name="ថ្មី",
        latin_name=None,
        phone=None,
        gender="female",
        tracks=["health"],
    )
    html = client.get("/setup/").get_data(as_text=True)
    response = client.post(
        "/setup/",
        data={"username": created.user.username, "code": created.code, **tokens(html)},
    )
    assert response.status_code == 302
    html = client.get("/setup/secret").get_data(as_text=True)
    response = client.post(
        "/setup/secret",
        data={
            "pin-kind": "pin",
            "pin-pin": "604817",
            "pin-confirm": "604817",
            "pin-csrf_token": tokens(html)["pin-csrf_token"],
        },
    )
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200
