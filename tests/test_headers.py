"""Security headers on every response."""

import pytest


@pytest.mark.parametrize("path", ["/login", "/learn/glossary", "/no-such-page"])
def test_security_headers(client, app, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_attribute_in_pages(client, app, users, as_user):
    as_user(users["trainee"])
    html = client.get("/learn/").get_data(as_text=True)
    assert "<script" not in html and " style=" not in html and " onclick" not in html


def test_session_cookie_is_http_only(client, app, users):
    response = client.post(
        "/login", data={"username": "trainee", "password": "correct horse battery"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_hsts_only_in_production(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS"] = True
    try:
        assert "max-age" in client.get("/login").headers["Strict-Transport-Security"]
    finally:
        app.config["HSTS"] = False
