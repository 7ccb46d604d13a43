"""flask backup: a consistent copy of the SQLite database, taken while it is in use."""

import sqlite3

import pytest

from curriculum.extensions import db
from curriculum.services import backup
from tests.factories import make_user


def test_backup_copies_every_row_and_passes_an_integrity_check(app, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("flask backup is for SQLite; PostgreSQL uses pg_dump")
    make_user("someone", tracks=["police"])
    target = tmp_path / "copy.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT username FROM users").fetchall() == [("someone",)]
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    again = app.test_cli_runner().invoke(args=["backup", "--to", str(target)])
    assert again.exit_code != 0 and "exists already" in again.output


def test_backup_refuses_other_databases_with_a_clear_message():
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.sqlite_path("postgresql+psycopg://u@h/db")
