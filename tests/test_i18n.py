"""Language: selection order, the no-JS switch, <html lang>, Khmer digits and dates."""

import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.i18n import format_day, khmer_digits


def html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def test_khmer_is_the_default(client, app):
    assert html_lang(client.get("/login")) == "km"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("km-KH,en;q=0.5", "km"), ("en-US,en;q=0.9", "en"), ("fr-FR", "km"), ("en", "en")],
)
def test_browser_language_is_used_when_nothing_else_is_known(
    client, app, header, expected
):
    assert (
        html_lang(client.get("/login", headers={"Accept-Language": header})) == expected
    )


def test_cookie_beats_browser_language(client, app):
    client.set_cookie("lang", "km")
    assert html_lang(client.get("/login", headers={"Accept-Language": "en"})) == "km"


def test_user_preference_beats_cookie(client, app, users, as_user):
    users["trainee"].locale = "en"
    db.session.commit()
    as_user(users["trainee"])
    client.set_cookie("lang", "km")
    assert html_lang(client.get("/learn/")) == "en"


def test_explicit_choice_beats_everything(client, app, users, as_user):
    users["trainee"].locale = "km"
    db.session.commit()
    as_user(users["trainee"])
    assert html_lang(client.get("/learn/?lang=en")) == "en"


def test_switch_works_without_javascript_and_returns_to_the_same_page(
    client, app, users, as_user
):
    as_user(users["trainee"])
    module = catalog().modules[0]
    page = f"/learn/{module.key}/{module.lessons[0].key}"
    response = client.post("/language", data={"lang": "en", "next": page})
    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert html_lang(client.get(page)) == "en"
    assert users["trainee"].locale == "en"  # remembered for next time, on any phone


def test_switch_for_anonymous_sets_a_cookie(client, app):
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert html_lang(client.get("/login")) == "en"


def test_switch_refuses_to_redirect_off_site(client, app):
    response = client.post(
        "/language", data={"lang": "en", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_switch_ignores_unknown_languages(client, app):
    client.post("/language", data={"lang": "fr", "next": "/login"})
    assert html_lang(client.get("/login")) == "km"


def test_every_form_on_a_page_has_the_switch(client, app):
    html = client.get("/login").get_data(as_text=True)
    assert 'action="/language"' in html and 'value="en"' in html


def test_khmer_digits_and_month_names(app):
    day = datetime(2026, 11, 28, 12, tzinfo=UTC)
    with app.test_request_context(), force_locale("km"):
        assert khmer_digits(2026) == "២០២៦"
        text = format_day(day)
        assert "២៨" in text and "វិច្ឆិកា" in text and "2" not in text
    with app.test_request_context(), force_locale("en"):
        assert khmer_digits(2026) == "2026"
        assert format_day(day) == "November 28, 2026"


def test_ui_strings_are_translated_into_khmer(client, app):
    """The sign-in page's label comes from the compiled catalogue, not the English."""
    from flask_babel import gettext

    with app.test_request_context(), force_locale("km"):
        khmer = gettext("Sign in")
    assert khmer != "Sign in"
    assert khmer in client.get("/login").get_data(as_text=True)
