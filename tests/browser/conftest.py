"""Browser fixtures: the real app in a subprocess, Chromium as a small phone, axe-core.

The application runs with `flask run` on its own SQLite database, prepared with
`flask db upgrade` and `flask demo`. Each test opens one or more "phones" (browser
contexts at 360x740 in Khmer); every step is kept as a screenshot in
test-artifacts/browser/<test>/ and checked with axe-core, and pages a trainee sees also
have the size of their tap targets measured.

A defect found this way that lies in a template or the CSS is listed in KNOWN_DEFECTS
with its fix: the journey goes on, and the test ends as xfail naming the rule, so that
the rest of the journey keeps guarding the behaviour. Anything not listed fails at once.
"""

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from babel.support import Translations

from curriculum.config import Config
from curriculum.content import load_catalog, term_anchor
from curriculum.i18n import KHMER_DIGITS
from curriculum.translation_catalog import LOCALES, Paths, compile_all
from tests.factories import require_all

ROOT = Config.ROOT
ARTIFACTS = ROOT / "test-artifacts" / "browser"
VIEWPORT = {"width": 360, "height": 740}
BROWSER_LOCALE = "km-KH"
TIMEZONE = "Asia/Phnom_Penh"
MIN_TARGET = 44  # CSS pixels, each side of a tap target
SERVER_START_SECONDS = 30
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET_KEY = "browser-tests-secret-key-not-for-production"  # noqa: S105


# -- defects found by these tests, reported to the maintainer --------------------------


@dataclass(frozen=True)
class Defect:
    """A defect reported to the maintainer (template, CSS or view): xfail till fixed."""

    rule: str  # an axe-core rule id, "tap-target", or a behaviour
    target: str  # regular expression searched in the element's description
    reason: str  # what is wrong and how to fix it
    path: str = ".*"  # regular expression searched in the page's path


# Found by these tests on 2026-11-28; each names the file to change. Delete an entry
# once it is fixed (the test then passes instead of ending as xfail).
KNOWN_DEFECTS: list["Defect"] = []  # all fixed on 2026-11-28


@dataclass(frozen=True)
class Finding:
    """One problem on one page: an axe-core violation or a small tap target."""

    rule: str
    target: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.target} ({self.detail})"


class Audit:
    """Collect a test's findings: unknown ones fail at once, known ones at the end."""

    def __init__(self) -> None:
        self.seen: dict[Defect, list[str]] = {}

    def review(self, path: str, findings: list[Finding]) -> None:
        """Fail on any finding that is not a known defect; remember the known ones."""
        unknown = []
        for finding in findings:
            defect = _known_defect(path, finding)
            if defect is None:
                unknown.append(finding)
            else:
                self.seen.setdefault(defect, []).append(path)
        assert not unknown, f"accessibility problems on {path}:\n" + "\n".join(
            f"  - {finding}" for finding in unknown
        )

    def expect(self, ok: bool, defect: Defect, where: str) -> None:
        """Record a known behavioural defect when `ok` is false."""
        if not ok:
            self.seen.setdefault(defect, []).append(where)

    def finish(self) -> None:
        """End the test as xfail, naming each known defect it met."""
        if self.seen:
            pytest.xfail(
                "; ".join(
                    f"{defect.rule} ({_pages(paths)}): {defect.reason}"
                    for defect, paths in self.seen.items()
                )
            )


def _pages(paths: list[str]) -> str:
    distinct = sorted(set(paths))
    if len(distinct) <= 2:
        return ", ".join(distinct)
    return f"{len(distinct)} pages, e.g. {distinct[0]}"


def _known_defect(path: str, finding: Finding) -> Defect | None:
    for defect in KNOWN_DEFECTS:
        if (
            defect.rule == finding.rule
            and re.search(defect.target, finding.target)
            and re.search(defect.path, path)
        ):
            return defect
    return None


# -- what the browser measures ---------------------------------------------------------

AXE_RUN = "() => axe.run(document, {resultTypes: ['violations']})"

# Every visible control; a radio button or checkbox is measured with its label, which
# takes the tap too. A link with words right before or after it, inside a sentence, is
# exempt (WCAG 2.5.8, "inline"), like the glossary terms of a lesson.
SMALL_TARGETS = r"""(min) => {
  const describe = (el) => {
    const parts = [];
    for (let n = el; n && n !== document.body && parts.length < 4;
         n = n.parentElement) {
      let s = n.tagName.toLowerCase();
      if (n.id) { parts.unshift(s + '#' + n.id); break; }
      if (n.classList.length) s += '.' + [...n.classList].join('.');
      if (n === el && n.tagName === 'A') s += '[href="' + n.getAttribute('href') + '"]';
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
  const inSentence = (el) => {
    if (el.tagName !== 'A') return false;
    let n = el;
    while (['STRONG', 'EM', 'B', 'I', 'SMALL', 'CODE', 'MARK']
           .includes(n.parentElement.tagName)) n = n.parentElement;
    const text = (node) => (node && node.nodeType === Node.TEXT_NODE ? node.data : '');
    return /\p{L}/u.test(text(n.previousSibling) + text(n.nextSibling));
  };
  const small = [];
  const controls =
    'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    let target = el;
    if (el.type === 'radio' || el.type === 'checkbox') {
      target = el.closest('label') || (el.labels && el.labels[0]) || el;
    }
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (box.right + scrollX <= 0 || box.bottom + scrollY <= 0) continue;  // off-screen
    if (inSentence(el)) continue;
    if (box.width < min || box.height < min) {
      small.push({
        target: describe(el),
        text: (el.innerText || el.value || el.name || '').trim().slice(0, 40),
        width: Math.round(box.width), height: Math.round(box.height),
      });
    }
  }
  return small;
}"""


def axe_findings(page, axe_js: str) -> list[Finding]:
    """Run axe-core on the page; return one finding per violating element."""
    page.evaluate(axe_js)
    results = page.evaluate(AXE_RUN)
    return [
        Finding(
            violation["id"],
            " ".join(map(str, node["target"])),
            f"{violation['impact']}: {violation['help']}",
        )
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def tap_target_findings(page) -> list[Finding]:
    """Return the visible controls smaller than MIN_TARGET on a side."""
    return [
        Finding(
            "tap-target",
            item["target"],
            f"{item['width']}x{item['height']} px, «{item['text']}»",
        )
        for item in page.evaluate(SMALL_TARGETS, MIN_TARGET)
    ]


# -- tools: skip without them, fail without them in CI ---------------------------------


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when REQUIRE_ALL_TESTS=1 (CI), for a missing tool."""
    if require_all():
        pytest.fail(f"REQUIRE_ALL_TESTS=1 but {reason}")
    pytest.skip(reason)


def chromium_executable() -> str | None:
    """Return Debian's chromium: $CHROMIUM when set, else on PATH, else /usr/bin."""
    if "CHROMIUM" in os.environ:
        candidates = [os.environ["CHROMIUM"]]
    else:
        candidates = [shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


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
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
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


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]  # the venv running pytest
RUN_OPTIONS = ["--no-reload", "--no-debugger"]


@dataclass(frozen=True)
class LiveServer:
    """The running application: its address, demo passwords and database file."""

    url: str
    passwords: dict[str, str]
    database: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str) -> str:
    """Run a flask command of the application; return its output or fail with it."""
    done = subprocess.run(
        [*FLASK, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the application stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the application did not answer in time:\n{log.read_text()[-3000:]}")


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
    }
    _flask(env, "db", "upgrade")
    printed = _flask(env, "demo")
    passwords = {
        username: password
        for _role, username, password in re.findall(
            r"^\s+(\S+)\s+(\S+)\s+(\S+)\s*$", printed, re.M
        )
    }
    assert {"police", "facilitator", "committee.pursat", "cmg.sokha"} <= set(passwords)
    port = _free_port()
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
        _wait_until_serving(url, process, log)
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


def digits(value) -> str:
    """Return a number as the Khmer pages write it, in Khmer digits."""
    return str(value).translate(KHMER_DIGITS)


@pytest.fixture(scope="session")
def km(_compiled_translations):
    """Return gettext for the compiled Khmer catalogue, with %(name)s parameters."""
    translations = Translations.load(str(ROOT / "translations"), ["km"])
    assert isinstance(translations, Translations), "no compiled Khmer catalogue"

    def gettext(message: str, **params) -> str:
        text = translations.gettext(message)
        return text % params if params else text

    return gettext


# -- phones ----------------------------------------------------------------------------


@dataclass
class Rig:
    """What the phones of one test share: the server, the audit, the screenshots."""

    server: LiveServer
    audit: Audit
    axe_js: str
    folder: Path
    counter: Iterator[int]


class Phone:
    """One person's phone: a browser context with its own cookies and storage."""

    def __init__(self, rig: Rig, context, name: str, *, trainee: bool, js: bool):
        self.rig = rig
        self.server = rig.server
        self.folder = rig.folder
        self.context = context
        self.page = context.new_page()
        self.name = name
        self.trainee = trainee  # measure tap targets too
        self.js = js

    def tab(self, name: str) -> "Phone":
        """Open another tab on the same phone (same cookies, same session)."""
        return Phone(self.rig, self.context, name, trainee=self.trainee, js=self.js)

    @property
    def path(self) -> str:
        """Return the path and query of the page shown."""
        return self.page.url.removeprefix(self.server.url)

    def goto(self, path: str, status: int = 200):
        """Open a page of the application and check the status of the response."""
        response = self.page.goto(path)
        assert response is not None and response.status == status, (
            f"GET {path}: {response.status if response else 'no response'}"
        )
        return response

    def step(self, name: str, audit: bool = True) -> None:
        """Keep a screenshot of the page and check its accessibility."""
        self.page.wait_for_load_state("load")
        number = next(self.rig.counter)
        self.page.screenshot(
            path=self.folder / f"{number:02d}-{self.name}-{name}.png", full_page=True
        )
        if audit:
            # axe-core waits on timers, which do not run without JavaScript: the
            # pages of a phone without it are the same HTML, audited on the others.
            findings = axe_findings(self.page, self.rig.axe_js) if self.js else []
            if self.trainee:
                findings += tap_target_findings(self.page)
            self.rig.audit.review(self.path, findings)

    def follow(self, locator) -> None:
        """Click a link or a button and wait for the page it leads to."""
        with self.page.expect_navigation():
            locator.click()

    def sign_in(self, username: str) -> None:
        """Sign in through the form, as a person would."""
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", self.server.passwords[username])
        self.follow(self.page.locator("form.card [type=submit]"))
        assert "/login" not in self.page.url, f"{username} could not sign in"

    def sign_out(self) -> None:
        """Sign out with the button in the menu."""
        self.follow(self.page.locator("nav.menu form button[type=submit]"))

    def flash(self) -> list[str]:
        """Return the texts of the messages shown at the top of the page."""
        return [text.strip() for text in self.page.locator("p.flash").all_inner_texts()]


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
