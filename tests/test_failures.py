"""When the database is down, people get a clear page in their language, not a trace."""

from curriculum import config
from curriculum.app import create_app
from curriculum.extensions import db


class BrokenDatabase(config.TestConfig):
    """A database that cannot be opened."""

    def __init__(self, instance_path):
        super().__init__(instance_path)
        self.SQLALCHEMY_DATABASE_URI = (
            "sqlite:////nonexistent-folder/for/sure/db.sqlite3"
        )


def test_database_outage_gives_a_translated_503_page():
    app = create_app(BrokenDatabase)
    client = app.test_client()
    response = client.post(
        "/login", data={"username": "someone", "password": "whatever1"}
    )
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert '<html lang="km">' in html
    assert "Traceback" not in html and "sqlite" not in html.lower()
    english = client.post(
        "/login?lang=en", data={"username": "x", "password": "whatever1"}
    )
    assert "The database cannot be reached" in english.get_data(as_text=True)


def test_unexpected_errors_show_a_plain_page():
    app = create_app("testing")

    @app.route("/boom-test")
    def boom():  # pragma: no cover - registered only for this test
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom-test")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    with app.app_context():  # a second app: close its pooled connections now
        db.engine.dispose()
