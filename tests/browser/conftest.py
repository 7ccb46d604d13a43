"""Browser fixtures: the real app in a subprocess, Chromium as a small phone, axe-core.

The application runs with `flask run` on its own SQLite database, prepared with
`flask db upgrade` and `flask demo`. Each test opens one or more "phones" (browser
contexts at 360x740 in Khmer); every step is kept as a screenshot in
test-artifacts/browser/<test>/ and checked with axe-core, and pages a trainee sees also
have the size of their tap targets measured.

A defect found this way that lies in a template or the CSS is listed in KNOWN_DEFECTS
with its fix: the journey goes on, and the test ends as xfail naming the rule, so that
the rest of the journey keeps guarding the behaviour. Anything not listed fails at once.

Rooms: live_server.py (the app in a subprocess), phone.py (the phone page object),
axe.py (accessibility checks and known defects); this file holds only the fixtures.
"""

import itertools
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest
from babel.support import Translations

from curriculum.bench.offline_browser import (  # one list of flags, one lookup
    CHROMIUM_ARGS,
    chromium_executable,
)
from curriculum.config import Config
from curriculum.content import load_catalog, term_anchor
from curriculum.translation_catalog import LOCALES, Paths, compile_all
from tests.browser.axe import Audit
from tests.browser.live_server import (
    ARTIFACTS,
    FLASK,
    ROOT,
    RUN_OPTIONS,
    SECRET_KEY,
    LiveServer,
    flask_command,
    free_port,
    wait_until_serving,
)
from tests.browser.phone import BROWSER_LOCALE, TIMEZONE, VIEWPORT, Phone, Rig
from tests.factories import require_all

# A narrator records in the browser (test_narration.py): Chromium's fake microphone
# (a beep), allowed without asking.
FAKE_MICROPHONE = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
)


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when REQUIRE_ALL_TESTS=1 (CI), for a missing tool."""
    if require_all():
        pytest.fail(f"REQUIRE_ALL_TESTS=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _sqlite_run():
    """Skip on a PostgreSQL run: the browser tests run once, on SQLite."""
    if os.environ.get("DATABASE_URL", "").strip().startswith("postgres"):
        pytest.skip("browser tests run once, on SQLite")


@pytest.fixture(scope="session")
def axe_js(_sqlite_run) -> str:
    """Return axe-core's script, as bundled by axe-playwright-python."""
    try:
        import axe_playwright_python
    except ImportError:
        unavailable("axe-playwright-python is not installed (pip install -e '.[test]')")
    script = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    if not script.is_file():
        unavailable(f"axe-core's script is missing from {script.parent}")
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser(_sqlite_run):
    """Start headless Chromium through Playwright, once for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    executable = chromium_executable()
    if executable is None:
        unavailable("chromium is not installed (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=[*CHROMIUM_ARGS, *FAKE_MICROPHONE],
            headless=True,
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


# -- the application in a subprocess ---------------------------------------------------


@pytest.fixture(scope="session")
def _compiled_translations() -> None:
    """Build the .mo files when missing or older than the .po (as `make test` does)."""
    paths = Paths(ROOT, ROOT / "translations")
    if any(
        not paths.mo(locale).exists()
        or paths.mo(locale).stat().st_mtime < paths.po(locale).stat().st_mtime
        for locale in LOCALES
    ):
        compile_all(paths)


@pytest.fixture(scope="session")
def live_server(_sqlite_run, _compiled_translations, tmp_path_factory):
    """Serve the application on a free port, with its own SQLite file and demo data."""
    folder = tmp_path_factory.mktemp("browser-app")
    database = folder / "browser.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": SECRET_KEY,
        "FLASK_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
        "NARRATION_DIR": str(folder / "narration"),  # not the project's instance/
    }
    flask_command(env, "db", "upgrade")
    printed = flask_command(env, "demo")
    passwords = {
        username: password
        for _role, username, password in re.findall(
            r"^\s+(\S+)\s+(\S+)\s+(\S+)\s*$", printed, re.M
        )
    }
    assert {"police", "facilitator", "committee.pursat", "cmg.sokha"} <= set(passwords)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [*FLASK, "run", "--host", "127.0.0.1", "--port", str(port), *RUN_OPTIONS],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(url, process, log)
        yield LiveServer(url, passwords, database)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- content and Khmer strings, as the application has them ----------------------------


@pytest.fixture(scope="session")
def content():
    """Return the curriculum catalogue the application serves."""
    return load_catalog(ROOT, Config.MODULES_DIR, Config.QUIZZES_DIR, term_anchor)


@pytest.fixture(scope="session")
def km(_compiled_translations):
    """Return gettext for the compiled Khmer catalogue, with %(name)s parameters."""
    translations = Translations.load(str(ROOT / "translations"), ["km"])
    assert isinstance(translations, Translations), "no compiled Khmer catalogue"

    def gettext(message: str, **params) -> str:
        text = translations.gettext(message)
        return text % params if params else text

    return gettext


@pytest.fixture()
def audit() -> Audit:
    """Collect the test's accessibility findings."""
    return Audit()


@pytest.fixture()
def open_phone(request, browser, live_server, axe_js, audit):
    """Return a function that opens a phone (a fresh browser context) for a person."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rig = Rig(live_server, audit, axe_js, folder, itertools.count(1))
    contexts = []

    def _open(name: str, *, js: bool = True, trainee: bool = False) -> Phone:
        context = browser.new_context(
            viewport=VIEWPORT,
            locale=BROWSER_LOCALE,
            timezone_id=TIMEZONE,
            java_script_enabled=js,
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Phone(rig, context, name, trainee=trainee, js=js)

    yield _open
    for context in contexts:
        context.close()
