"""flask commands: users create and demo."""

from sqlalchemy import select

from curriculum.extensions import db
from curriculum.models import User


def test_users_create_makes_any_account(app, places):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "vuthy",
            "--name",
            "វុទ្ធី",
            "--role",
            "committee",
            "--province",
            "15",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "vuthy"))
    assert (
        user.role == "committee"
        and user.province.code == "15"
        and user.commune_id is None
    )


def test_users_create_fails_clearly(app, places):
    runner = app.test_cli_runner()
    args = ["users", "create", "x", "--name", "x", "--password", "short"]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "at least 8" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "y",
            "--name",
            "y",
            "--commune",
            "999999",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code != 0 and "no commune" in result.output


def test_demo_creates_every_role_and_prints_passwords(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"trainee", "facilitator", "committee", "admin"}
    for user in db.session.scalars(select(User)):
        assert user.username in result.output
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "not added" in again.output
    assert runner.invoke(args=["demo"]).exit_code != 0


def test_role_change_ends_sessions_and_is_audited(app, users):
    from curriculum.models import AuditEvent

    before = users["trainee"].session_token
    result = app.test_cli_runner().invoke(
        args=["users", "role", "trainee", "facilitator"]
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(users["trainee"])
    assert users["trainee"].role == "facilitator"
    assert users["trainee"].session_token != before
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert "user.role_change" in actions


def test_password_reset_by_command_is_audited_and_ends_sessions(app, users):
    from curriculum.models import AuditEvent
    from curriculum.services import accounts

    before = users["trainee"].session_token
    result = app.test_cli_runner().invoke(
        args=["users", "password", "trainee", "--password", "brand new password"]
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(users["trainee"])
    assert users["trainee"].session_token != before
    assert accounts.hasher().verify(
        users["trainee"].password_hash, "brand new password"
    )
    assert "user.password_reset" in list(db.session.scalars(select(AuditEvent.action)))
    missing = app.test_cli_runner().invoke(args=["users", "role", "nobody", "admin"])
    assert missing.exit_code != 0 and "no account" in missing.output
