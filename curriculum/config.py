"""Configuration from the environment, with absolute paths from the project root."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url(url: str | None, default_sqlite: Path) -> str:
    """Return a SQLAlchemy URL: DATABASE_URL when given, else a SQLite file."""
    url = (url or "").strip()
    if not url:
        return f"sqlite:///{default_sqlite}"
    # psycopg 3 is the driver we ship; accept the common spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one kept in the instance folder.

    Several workers and instances must share the key, so a generated key is written
    once to a file rather than made per process.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    """Settings for development and production, read from the environment."""

    ROOT = ROOT
    # Content folders can be pointed elsewhere (a translator's checkout, test fixtures).
    MODULES_DIR = Path(os.environ.get("CURRICULUM_MODULES_DIR", ROOT / "modules"))
    QUIZZES_DIR = Path(os.environ.get("CURRICULUM_QUIZZES_DIR", ROOT / "quizzes"))
    TRANSLATIONS_DIR = ROOT / "translations"
    MIGRATIONS_DIR = ROOT / "curriculum" / "migrations"
    # How often a worker asks whether reviewers corrected the Khmer (one tiny query);
    # the worker that saved a correction swaps its catalogue at once.
    CONTENT_CHECK_SECONDS = float(os.environ.get("CONTENT_CHECK_SECONDS", "2"))
    # Setup codes are hashed with this key (SECRET_KEY when unset). Give the centre and
    # its workshop hubs the same one, so that cards printed at the centre work on a hub.
    SETUP_CODE_KEY = os.environ.get("SETUP_CODE_KEY", "")

    BABEL_DEFAULT_LOCALE = "km"
    BABEL_DEFAULT_TIMEZONE = "Asia/Phnom_Penh"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # A quiz can take an hour on a slow phone; the CSRF token must outlive it.
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    WTF_CSRF_SSL_STRICT = True

    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "0") == "1"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    REMEMBER_COOKIE_DURATION = 0
    PREFERRED_URL_SCHEME = "https" if SESSION_COOKIE_SECURE else "http"
    HSTS = SESSION_COOKIE_SECURE

    # Report figures are reused for this long by each worker (0: always recomputed).
    REPORT_CACHE_SECONDS = int(os.environ.get("REPORT_CACHE_SECONDS", "120") or 0)

    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)

    # A workshop hub (a laptop offline in a hall) names itself; its bundles are signed
    # with a key shared with the centre (docs/hub-bundle.md).
    HUB_ID = os.environ.get("HUB_ID", "")
    HUB_SIGNING_KEY = os.environ.get("HUB_SIGNING_KEY", "")

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Recorded narration (services/audio.py): an upload may be larger than other posts
    # (a phone's own recorder keeps AAC); what is stored is mono Opus, far smaller.
    NARRATION_MAX_UPLOAD_BYTES = 8 * 1024 * 1024
    NARRATION_MAX_BYTES = 3 * 1024 * 1024
    NARRATION_MAX_SECONDS = 5 * 60
    FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
    MAX_FORM_MEMORY_SIZE = 512 * 1024

    # argon2id above OWASP's minimum (m=19 MiB, t=2, p=1); checked again on sign-in,
    # where an older, weaker hash is replaced.
    ARGON2_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 1}

    # Login throttling (counted in the database, shared by all workers).
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30

    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600  # static URLs carry a content hash

    # The app compresses its own responses, so that the embedded server meets the
    # page-weight budget without a proxy. Brotli first; gzip for older browsers.
    # Brotli 4, not 5: half the time on every page (a lesson: 0.12 ms instead of 0.24)
    # for about 12% more bytes (5.5 KB instead of 4.9), well inside the 14 KB budget.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 4
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/csv",
        "application/javascript",
        "text/javascript",
        "image/svg+xml",
    ]
    COMPRESS_STREAMS = True

    def __init__(self, instance_path: Path) -> None:
        self.SQLALCHEMY_DATABASE_URI = database_url(
            os.environ.get("DATABASE_URL"), instance_path / "curriculum.sqlite3"
        )
        self.SECRET_KEY = _secret_key(instance_path)
        # Several instances must share this folder, as they share the database.
        self.NARRATION_DIR = os.environ.get("NARRATION_DIR") or str(
            instance_path / "narration"
        )


class TestConfig(Config):
    """Overrides for the test suite; every one is stated here."""

    TESTING = True
    WTF_CSRF_ENABLED = False  # tests/test_csrf.py turns it back on
    SERVER_NAME = "localhost"
    REPORT_CACHE_SECONDS = 0  # tests change data and look again at once
    CONTENT_CHECK_SECONDS = 0  # a correction on one app shows on another at once
    # Cheap hashes keep the suite fast; production cost is tested in test_accounts.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

    def __init__(self, instance_path: Path) -> None:
        self.SQLALCHEMY_DATABASE_URI = database_url(
            os.environ.get("DATABASE_URL"), instance_path / "test.sqlite3"
        )
        self.SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
        # One folder per test process; tests that record use their own (test_narration).
        self.NARRATION_DIR = str(instance_path / f"narration-test-{os.getpid()}")
