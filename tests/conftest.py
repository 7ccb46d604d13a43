"""Fixtures: an app on the real content, a clean database per test, factories."""

from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_babel import refresh as babel_refresh
from sqlalchemy import text

from curriculum.app import create_app
from curriculum.extensions import db
from curriculum.services import geography, review
from tests.factories import login, make_user


def _reset_database(app) -> None:
    """Empty every table, keeping the schema made by the migrations."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(
                text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )
        else:
            for name in tables:
                db.session.execute(text(f"DELETE FROM {name}"))
        db.session.commit()


@pytest.fixture(scope="session")
def _schema_app():
    app = create_app("testing")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            path = Path(db.engine.url.database)
            db.engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections before the interpreter exits


@pytest.fixture()
def app(_schema_app):
    """Return the application with an empty database and the 25 provinces."""
    _reset_database(_schema_app)
    _schema_app.test_client_class = Client
    with _schema_app.app_context():
        # A test's Khmer corrections are gone with its database: so are they here.
        review.sync_catalog(_schema_app, force=True)
        geography.ensure_provinces()
        yield _schema_app
        db.session.remove()


class Client(FlaskClient):
    """A test client whose requests do not see the previous request's `g`.

    The test keeps an application context open for its factories; Flask reuses it for
    each request, so Flask-Login's user and Flask-Babel's locale cached there would outlive
    the request that set them. In production every request has its own context.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("catalog", None)
            babel_refresh()
        return super().open(*args, **kwargs)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def places(app):
    """Two communes in Pursat and one in Prey Veng."""
    geography.upsert_district("1501", "បាកាន", "Bakan")
    pursat_a = geography.upsert_commune("150101", "បឹងបត់កណ្ដាល", "Boeng Bat Kandaol")
    pursat_b = geography.upsert_commune("150102", "បឹងខ្នារ", "Boeng Khnar")
    geography.upsert_district("1401", "បាភ្នំ", "Ba Phnum")
    prey_veng = geography.upsert_commune("140101", "បឹងព្រះ", "Boeng Preah")
    db.session.commit()
    return {"pursat_a": pursat_a, "pursat_b": pursat_b, "prey_veng": prey_veng}


@pytest.fixture()
def users(app, places):
    """One account of every role, scoped to Pursat where it matters."""
    return {
        "trainee": make_user("trainee", tracks=["police"], commune=places["pursat_a"]),
        "candidate": make_user("candidate", tracks=["cmg"], commune=places["pursat_a"]),
        "facilitator": make_user(
            "facilitator", "facilitator", commune=places["pursat_a"]
        ),
        "committee": make_user(
            "committee", "committee", commune=places["pursat_a"], scope="province"
        ),
        "admin": make_user("admin", "admin"),
    }


@pytest.fixture()
def as_user(client):
    """Return a function that signs the client in as a username."""

    def _login(user):
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
