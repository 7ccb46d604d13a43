"""Signing in: argon2id, throttling in the database, session tokens that rotate."""

from argon2 import PasswordHasher
from sqlalchemy import func, select

from curriculum.config import Config
from curriculum.extensions import db
from curriculum.models import LoginAttempt, User
from curriculum.services import accounts
from tests.factories import PASSWORD, login


def test_sign_in_with_username_and_password(app, client, users):
    response = login(client, "TRAINEE ")  # usernames are case- and space-insensitive
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200


def test_wrong_password_gives_the_same_message_as_unknown_user(app, client, users):
    wrong = login(client, "trainee", "nope-nope-nope").get_data(as_text=True)
    unknown = login(client, "nobody", "nope-nope-nope").get_data(as_text=True)
    assert wrong.count('class="flash error"') == 1
    assert (
        wrong.split('class="flash error"')[1][:200]
        == unknown.split('class="flash error"')[1][:200]
    )


def test_production_hashes_are_argon2id_above_owasp_minimum():
    params = Config.ARGON2_PARAMS
    assert params["memory_cost"] >= 19 * 1024 and params["time_cost"] >= 2
    assert PasswordHasher(**params).hash("x").startswith("$argon2id$")


def test_weak_hash_is_replaced_on_sign_in(app, client, users):
    user = users["trainee"]
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
        PASSWORD
    )
    db.session.commit()
    assert login(client, "trainee").status_code == 302
    db.session.refresh(user)
    assert "m=8," not in user.password_hash
    assert accounts.hasher().verify(user.password_hash, PASSWORD)


def test_account_is_throttled_after_repeated_failures(app, client, users):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        login(client, "trainee", "wrong-password")
    # Even the right password is refused while throttled.
    response = login(client, "trainee")
    assert response.status_code == 429
    assert client.get("/learn/").status_code == 302


def test_address_is_throttled_across_accounts(app, client, users):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        login(client, f"guess{i}", "wrong-password")
    assert login(client, "admin").status_code == 429


def test_throttling_counts_live_in_the_database(app, client, users):
    login(client, "trainee", "wrong-password")
    count = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(LoginAttempt.username == "trainee")
    )
    assert count == 1


def _cookie(client):
    return client.get_cookie("session").value


def test_logout_kills_a_copied_session_cookie(app, client, users):
    login(client, "trainee")
    stolen = _cookie(client)
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/learn/").status_code == 302


def test_password_change_ends_copied_sessions_but_keeps_this_one(app, client, users):
    login(client, "trainee")
    copy = app.test_client()
    copy.set_cookie("session", _cookie(client))
    assert copy.get("/learn/").status_code == 200
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200
    assert copy.get("/learn/").status_code == 302
    assert login(app.test_client(), "trainee", "a new long password").status_code == 302


def test_password_change_refuses_a_wrong_current_password(app, client, users, as_user):
    as_user(users["trainee"])
    response = client.post(
        "/account/password",
        data={
            "current": "wrong",
            "new": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert response.status_code == 200
    assert accounts.hasher().verify(
        db.session.get(User, users["trainee"].id).password_hash, PASSWORD
    )


def test_sign_in_rotates_the_session_token(app, client, users):
    before = users["trainee"].session_token
    login(client, "trainee")
    db.session.refresh(users["trainee"])
    assert users["trainee"].session_token != before
    # A session from before this sign-in (a shared phone left signed in) has ended.
    second = app.test_client()
    login(second, "trainee")
    assert client.get("/learn/").status_code == 302


def test_inactive_account_cannot_sign_in(app, client, users):
    users["trainee"].active = False
    db.session.commit()
    assert login(client, "trainee").status_code == 200


def test_open_redirect_after_sign_in_is_refused(app, client, users):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "trainee", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"
    response = client.post("/logout")
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "trainee", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_behind_a_trusted_proxy_throttling_counts_the_client_address():
    from curriculum import config
    from curriculum.app import create_app

    class BehindProxy(config.TestConfig):
        TRUSTED_PROXIES = 1

    app = create_app(BehindProxy)
    seen = {}

    @app.route("/whoami-test")
    def whoami():  # pragma: no cover - registered only for this test
        from flask import request

        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get(
        "/whoami-test",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert seen["addr"] == "203.0.113.7"
    _close(app)


def _close(app) -> None:
    """Close a second app's pooled connections (each request now asks the database
    whether reviewers corrected the content)."""
    from curriculum.extensions import db

    with app.app_context():
        db.engine.dispose()
