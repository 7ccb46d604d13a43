"""CSRF protection, kept on in this file: every form refuses a post without its token."""

import re

import pytest

from tests.factories import PASSWORD


@pytest.fixture()
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def token(html: str) -> str:
    return re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html
    ).group(1)


@pytest.mark.parametrize(
    "path", ["/login", "/language", "/logout", "/account/password"]
)
def test_post_without_token_is_refused_with_a_translated_page(
    csrf_app, client, users, path
):
    response = client.post(path, data={"username": "trainee", "password": PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<html lang="km">' in html
    assert "The form has expired" not in html  # Khmer, not the English source


def test_post_with_the_token_works(csrf_app, client, users):
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"username": "trainee", "password": PASSWORD, "csrf_token": token(html)},
    )
    assert response.status_code == 302


def test_csrf_error_page_in_english(csrf_app, client, users):
    response = client.post("/login?lang=en", data={})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)


def test_expired_form_on_a_quiz_keeps_the_answers(csrf_app, client, users):
    from curriculum.content import catalog

    html = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "trainee", "password": PASSWORD, "csrf_token": token(html)},
    )
    quiz = catalog().quiz(catalog().modules[0].quiz_key)
    first = quiz.questions[0]
    picked = sorted(first.correct)[0]
    response = client.post(
        f"/quiz/{quiz.key}",
        data={"token": "tok-123", f"q-{first.key}": picked, "csrf_token": "expired"},
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'name="q-{first.key}" value="{picked}" checked', html)
    assert 'value="tok-123"' in html  # the same attempt: a retry cannot count twice
