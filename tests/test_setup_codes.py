"""Setup codes: a first sign-in without email, once, in time, never guessed."""

import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.models import AuditEvent, LoginAttempt, SetupCode
from curriculum.models.base import utcnow
from curriculum.services import setup_codes, workshops
from tests.factories import login, make_user, make_workshop


@pytest.fixture()
def newcomer(app, users, places):
    """A trainee created at a workshop: no password yet, one fresh code."""
    workshop = make_workshop(users["facilitator"], places["pursat_a"])
    created = workshops.create_participant(
        workshop,
        users["facilitator"],
        display_name="ហេង ដារ៉ា",
        latin_name="Heng Dara",
        phone=None,
        gender="male",
        tracks=["police"],
    )
    return created.user, created.code, workshop


def start(client, username, code, lang="en"):
    return client.post(
        f"/setup/?lang={lang}", data={"username": username, "code": code}
    )


def test_a_code_is_eight_digits_shown_in_two_groups_and_stored_as_a_keyed_hash(
    app, newcomer
):
    user, code, _ = newcomer
    assert re.fullmatch(r"\d{8}", code)
    assert setup_codes.display_code("12345678") == "1234 5678"
    row = db.session.scalar(select(SetupCode).where(SetupCode.user_id == user.id))
    key = app.config["SECRET_KEY"].encode()
    assert row.code_hash == hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
    # Without the secret key, the stored value says nothing about the code.
    assert row.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert row.expires_at - row.created_at == timedelta(days=14)
    # The code itself is nowhere in the database.
    for event in db.session.scalars(select(AuditEvent)):
        assert code not in repr(event.detail)


def test_first_sign_in_with_the_code_then_a_password(client, newcomer):
    user, code, _ = newcomer
    assert client.get("/login?lang=en").get_data(as_text=True).count("/setup/") == 1
    response = start(client, "Heng.Dara ", setup_codes.display_code(code))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/setup/secret")
    assert code not in response.headers["Location"]
    page = client.get("/setup/secret?lang=en").get_data(as_text=True)
    assert "Heng Dara" in page or "ហេង ដារ៉ា" in page
    response = client.post(
        "/setup/secret",
        data={
            "pw-kind": "password",
            "pw-password": "a long secret",
            "pw-confirm": "a long secret",
        },
    )
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200  # signed in
    client.post("/logout")
    assert login(client, "heng.dara", "a long secret").status_code == 302
    assert "setup_code.use" in set(db.session.scalars(select(AuditEvent.action)))


def test_a_pin_of_six_digits_is_stored_as_the_password(client, newcomer):
    user, code, _ = newcomer
    start(client, user.username, code)
    response = client.post(
        "/setup/secret",
        data={"pin-kind": "pin", "pin-pin": "៤៨២៩៧១", "pin-confirm": "482971"},
    )
    assert response.status_code == 302
    client.post("/logout")
    assert login(client, user.username, "482971").status_code == 302


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("12345", "A PIN has at least 6 digits."),
        ("123456", "too easy to guess"),
        ("111111", "too easy to guess"),
        ("12ab56", "A PIN has only digits."),
    ],
)
def test_a_weak_pin_is_refused_and_the_code_still_works(client, newcomer, pin, message):
    user, code, _ = newcomer
    start(client, user.username, code)
    response = client.post(
        "/setup/secret?lang=en",
        data={"pin-kind": "pin", "pin-pin": pin, "pin-confirm": pin},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(SetupCode.used_at)) is None


def test_a_short_password_is_refused(client, newcomer):
    user, code, _ = newcomer
    start(client, user.username, code)
    response = client.post(
        "/setup/secret?lang=en",
        data={"pw-kind": "password", "pw-password": "short", "pw-confirm": "short"},
    )
    assert response.status_code == 400
    assert "A password has 8 to 256 characters." in response.get_data(as_text=True)


def test_a_code_works_only_once(client, newcomer):
    user, code, _ = newcomer
    start(client, user.username, code)
    client.post(
        "/setup/secret",
        data={"pin-kind": "pin", "pin-pin": "482971", "pin-confirm": "482971"},
    )
    client.post("/logout")
    response = start(client, user.username, code)
    assert response.status_code == 400
    assert "This code was already used." in response.get_data(as_text=True)


def test_two_tabs_cannot_use_one_code_twice(app, client, newcomer):
    user, code, _ = newcomer
    check = setup_codes.check_code(user.username, code, "1.2.3.4", app.config)
    assert setup_codes.complete_setup(check.code_id, user.id, "first secret", "x")
    assert setup_codes.complete_setup(check.code_id, user.id, "second one", "x") is None


def test_an_expired_code_is_refused(client, newcomer):
    user, code, _ = newcomer
    row = db.session.scalar(select(SetupCode))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = start(client, user.username, code)
    assert response.status_code == 400
    assert "This code has expired." in response.get_data(as_text=True)


def test_a_code_that_expires_between_the_two_steps_is_refused(client, newcomer):
    user, code, _ = newcomer
    start(client, user.username, code)
    row = db.session.scalar(select(SetupCode))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post(
        "/setup/secret?lang=en",
        data={"pin-kind": "pin", "pin-pin": "482971", "pin-confirm": "482971"},
        follow_redirects=True,
    )
    assert "expired or was already used" in response.get_data(as_text=True)
    assert client.get("/learn/").status_code == 302  # not signed in


def test_a_new_code_kills_the_old_one(client, users, as_user, newcomer):
    user, old_code, workshop = newcomer
    as_user(users["facilitator"])
    response = client.post(f"/workshops/{workshop.id}/roster/1/code")
    assert response.headers["Location"].endswith("/cards")
    html = client.get(f"/workshops/{workshop.id}/cards").get_data(as_text=True)
    new_code = "".join(re.search(r'class="mono code">(\d{4}) (\d{4})<', html).groups())
    assert new_code != old_code
    client.post("/logout")
    assert start(client, user.username, old_code).status_code == 400
    assert start(client, user.username, new_code).status_code == 302
    assert db.session.scalar(select(func.count(SetupCode.id))) == 1


def test_a_forgotten_pin_is_replaced_with_a_new_code(client, users, as_user, newcomer):
    user, code, workshop = newcomer
    start(client, user.username, code)
    client.post(
        "/setup/secret",
        data={"pin-kind": "pin", "pin-pin": "482971", "pin-confirm": "482971"},
    )
    client.post("/logout")
    fresh = setup_codes.issue_codes([user], users["facilitator"])[user.id]
    start(client, user.username, fresh)
    client.post(
        "/setup/secret",
        data={"pin-kind": "pin", "pin-pin": "735190", "pin-confirm": "735190"},
    )
    client.post("/logout")
    assert login(client, user.username, "482971").status_code == 200  # refused
    assert login(client, user.username, "735190").status_code == 302


def test_guessing_codes_is_throttled_like_passwords(app, client, newcomer):
    user, code, _ = newcomer
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for guess in range(limit):
        assert start(client, user.username, f"{guess:08d}").status_code == 400
    assert (
        db.session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.username == user.username, LoginAttempt.success.is_(False)
            )
        )
        == limit
    )
    # Even the right code is refused while throttled, and so is the password form.
    response = start(client, user.username, code)
    assert response.status_code == 429
    assert login(client, user.username, "anything at all").status_code == 429


def test_guessing_across_accounts_is_throttled_per_address(app, client, newcomer):
    user, code, _ = newcomer
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        start(client, f"nobody{i}", "12345678")
    assert start(client, user.username, code).status_code == 429


def test_the_second_step_needs_a_checked_code(client, newcomer):
    response = client.get("/setup/secret")
    assert response.headers["Location"].endswith("/setup/")
    response = client.post(
        "/setup/secret",
        data={"pin-kind": "pin", "pin-pin": "482971", "pin-confirm": "482971"},
    )
    assert response.headers["Location"].endswith("/setup/")


def test_an_abandoned_second_step_expires(client, newcomer):
    user, code, _ = newcomer
    start(client, user.username, code)
    with client.session_transaction() as cookie:
        state = dict(cookie["setup_state"])
        state["at"] -= 11 * 60
        cookie["setup_state"] = state
    assert client.get("/setup/secret").status_code == 302


def test_khmer_digits_and_spaces_in_the_code_are_accepted(client, newcomer):
    user, code, _ = newcomer
    khmer = code.translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    assert start(client, user.username, f" {khmer[:4]} {khmer[4:]} ").status_code == 302


def test_staff_cannot_be_given_a_setup_code(app, users):
    with pytest.raises(setup_codes.SetupError):
        setup_codes.issue_codes([users["admin"]], users["facilitator"])


def test_codes_waiting_for_cards_belong_to_the_facilitator_who_issued_them(
    client, users, as_user, newcomer
):
    user, code, workshop = newcomer
    as_user(users["facilitator"])
    client.post(f"/workshops/{workshop.id}/roster/1/code")
    client.post("/logout")
    admin = make_user("admin2", "admin")
    as_user(admin)
    html = client.get(f"/workshops/{workshop.id}/cards").get_data(as_text=True)
    assert 'class="setup-card"' not in html


def test_forgetting_the_codes_removes_them_from_the_session(
    client, users, as_user, newcomer
):
    user, code, workshop = newcomer
    as_user(users["facilitator"])
    client.post(f"/workshops/{workshop.id}/roster/1/code")
    assert 'class="setup-card"' in client.get(
        f"/workshops/{workshop.id}/cards"
    ).get_data(True)
    client.post(f"/workshops/{workshop.id}/cards/forget")
    assert 'class="setup-card"' not in client.get(
        f"/workshops/{workshop.id}/cards"
    ).get_data(True)


def test_a_used_code_is_not_printed_again(client, users, as_user, newcomer):
    user, code, workshop = newcomer
    as_user(users["facilitator"])
    client.post(f"/workshops/{workshop.id}/roster/1/code")
    html = client.get(f"/workshops/{workshop.id}/cards").get_data(as_text=True)
    fresh = "".join(re.search(r'class="mono code">(\d{4}) (\d{4})<', html).groups())
    check = setup_codes.check_code(user.username, fresh, "x", client.application.config)
    setup_codes.complete_setup(check.code_id, user.id, "a long secret", "x")
    html = client.get(f"/workshops/{workshop.id}/cards").get_data(as_text=True)
    assert 'class="setup-card"' not in html
