"""Offline figures of `make bench`: what saving a track costs a phone, and a repeat visit.

1. "save track offline": for one synthetic trainee of each track, the bytes of every URL
   that /learn/offline/modules.json lists (all modules plus the common URLs, each URL
   once), as the server sends them to Chrome on Android (its Accept-Encoding) and
   uncompressed. Only URLs that offline.allowed admits are fetched, as static/offline.js
   and static/sw.js would keep nothing else.
2. "first visit to a lesson" without offline mode: the lesson's HTML and what it links to
   (stylesheet, icons, manifest, scripts, images, and the fonts of the stylesheet).
3. In headless Chromium, launched as tests/browser/conftest.py does, one trainee signs
   in and first opens a lesson on a fresh phone; then saves every module of the track
   on /learn/offline with its real button (what reaches the server is what the phone
   really downloads); then opens a lesson of a saved module again online and offline:
   the "repeat visit to a saved lesson" (target: 0 bytes from the network offline). A
   visit counts the bytes of the responses not served by the service worker
   (Playwright's response.from_service_worker and request.sizes()) and the bytes the
   server sent, through a counting TCP proxy in front of it. Skipped, with the reason,
   when Chromium or Playwright is missing.
"""

import gzip
import html
import http.client
import os
import re
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

import brotli

from curriculum.services import offline

try:  # Python 3.14
    from compression import zstd
except ImportError:  # Python <= 3.13: the backport Flask-Compress depends on
    from backports import zstd

# What Chrome on Android (123 and later) sends.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"

# The flags of tests/browser/conftest.py (CHROMIUM_ARGS), for the same headless Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 360, "height": 740}
# Chromium checks for a new service worker after each navigation (sw.js is no-cache).
UPDATE_CHECK = "GET /sw.js"
SETTLE = 2.0  # seconds for a visit's background work (refresh, install, update check)

# A getter fetches one path and returns (status, headers, body as sent on the wire).
Getter = Callable[[str], tuple[int, dict[str, str], bytes]]


@dataclass
class Cost:
    """The bytes of a set of URLs: on the wire (as sent) and decoded."""

    name: str
    user: str = ""
    urls: int = 0
    wire_bytes: int = 0
    plain_bytes: int = 0
    failed: list[str] = field(default_factory=list)  # "status url", not 200
    refused: list[str] = field(default_factory=list)  # listed but not allowed
    fetched: list[str] = field(default_factory=list)  # "bytes url", each URL fetched


@dataclass
class Visit:
    """One visit of the lesson in the browser (the update check of sw.js apart)."""

    name: str
    network_bytes: int  # responses not served by the service worker (Playwright)
    network_responses: int
    socket_bytes: int  # what the server sent, counted at the proxy
    served_by_worker: int
    requests: list[str] = field(default_factory=list)
    at_server: list[str] = field(default_factory=list)  # "bytes request", at the proxy
    update_check_bytes: int = 0  # Chromium's update check of sw.js, at the proxy
    server_requests: int = 0  # requests that reached the server, the update check apart
    failed: list[str] = field(default_factory=list)


def decoded_length(body: bytes, encoding: str | None) -> int:
    """Return the length of a body once its Content-Encoding is undone."""
    return len(_decode(body, encoding))


def listed_urls(listing: dict) -> list[str]:
    """Return every URL of modules.json, common ones first, each once, in order."""
    urls = list(listing.get("common", []))
    for module in listing.get("modules", []):
        urls += module.get("urls", [])
    return list(dict.fromkeys(urls))


def cost_of(name: str, urls: list[str], get: Getter, user: str = "") -> Cost:
    """Fetch each allowed URL once and add up its bytes; never fetch the others."""
    cost = Cost(name, user)
    for url in dict.fromkeys(urls):
        if not offline.allowed(url):
            cost.refused.append(url)
            continue
        status, headers, body = get(url)
        cost.urls += 1
        cost.wire_bytes += len(body)
        cost.plain_bytes += decoded_length(body, _header(headers, "Content-Encoding"))
        cost.fetched.append(f"{len(body)} {url}")
        if status != 200:
            cost.failed.append(f"{status} {url}")
    return cost


def track_cost(name: str, listing: dict, get: Getter, user: str = "") -> Cost:
    """Return what saving every module of modules.json costs (the whole track)."""
    return cost_of(name, listed_urls(listing), get, user)


CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def page_resources(path: str, page: str) -> list[str]:
    """Return the same-origin paths a page links to (not the links a person follows)."""
    found = []
    for tag in re.finditer(r"<(link|script|img)\b[^>]*>", page, re.IGNORECASE):
        text = tag.group(0)
        if tag.group(1).lower() == "link" and not re.search(
            r"\brel=\"(?:stylesheet|icon|manifest|apple-touch-icon|preload)\"", text
        ):
            continue
        match = re.search(r"\b(?:href|src)=\"([^\"]+)\"", text)
        if match:
            found.append(urljoin(path, html.unescape(match.group(1))))
    return [url for url in dict.fromkeys(found) if url.startswith("/")]


def first_visit(path: str, get: Getter) -> Cost:
    """Return the cost of a first visit to a page: it, what it links, the CSS's fonts."""
    cost = Cost("first visit")
    seen: set[str] = set()
    queue = [path]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        status, headers, body = get(url)
        encoding = _header(headers, "Content-Encoding")
        cost.urls += 1
        cost.wire_bytes += len(body)
        cost.plain_bytes += decoded_length(body, encoding)
        cost.fetched.append(f"{len(body)} {url}")
        if status != 200:
            cost.failed.append(f"{status} {url}")
            continue
        kind = _header(headers, "Content-Type") or ""
        if url == path or kind.startswith("text/css"):
            text = _decode(body, encoding).decode("utf-8", "replace")
            if url == path:
                queue += page_resources(path, text)
            else:
                queue += [
                    urljoin(url, u)
                    for u in CSS_URL.findall(text)
                    if not u.startswith("data:")
                ]
    return cost


def http_getter(base: str, cookie: str) -> Getter:
    """Return a getter that asks the running server as Chrome on Android would."""
    parts = urlsplit(base)

    def get(path: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request(
            "GET",
            path,
            headers={
                "Cookie": cookie,
                "Accept-Encoding": ACCEPT_ENCODING,
                "Accept-Language": "km",
            },
        )
        response = conn.getresponse()
        body = response.read()  # http.client leaves the Content-Encoding alone
        headers = dict(response.getheaders())
        conn.close()
        return response.status, headers, body

    return get


def client_getter(client) -> Getter:
    """Return a getter over a Flask test client (the body as the app sends it)."""

    def get(path: str) -> tuple[int, dict[str, str], bytes]:
        response = client.get(
            path, headers={"Accept-Encoding": ACCEPT_ENCODING, "Accept-Language": "km"}
        )
        body = response.get_data()
        response.close()
        return response.status_code, dict(response.headers), body

    return get


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _decode(body: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "zstd":
        return zstd.decompress(body)
    raise ValueError(f"unknown Content-Encoding {encoding!r}")


# -- the figures against the running server -----------------------------------------------


def trainees_by_track(env: dict) -> dict[str, str]:
    """Return one synthetic trainee's username for each track (the first by id)."""
    from sqlalchemy import create_engine, text

    from curriculum.bench.server import sqlalchemy_url
    from curriculum.models.people import TRACKS

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
    found = {}
    with engine.connect() as conn:
        for track in TRACKS:
            name = conn.execute(
                text(
                    "SELECT u.username FROM users u JOIN user_tracks t"
                    " ON t.user_id = u.id WHERE u.username LIKE 'syn-%'"
                    " AND t.track = :t ORDER BY u.id LIMIT 1"
                ),
                {"t": track},
            ).scalar()
            if name:
                found[track] = name
    engine.dispose()
    return found


def run_offline(env: dict, base: str) -> dict:
    """Measure the offline figures against a running server; return them as a dict."""
    import json

    from curriculum.bench.load import Browser
    from curriculum.services.synthetic import PASSWORD

    tracks = []
    first = None
    lesson = None
    trainee = None
    for track, username in trainees_by_track(env).items():
        browser = Browser(base)
        browser.sign_in(username, PASSWORD)
        get = http_getter(base, browser.cookie_header())
        status, headers, body = get("/learn/offline/modules.json")
        if status != 200:
            raise SystemExit(f"modules.json for {username}: HTTP {status}")
        listing = json.loads(_decode(body, _header(headers, "Content-Encoding")))
        tracks.append(track_cost(track, listing, get, username))
        if first is None:
            module = listing["modules"][0]
            lesson = next(u for u in module["urls"] if u.count("/") == 3)
            first = first_visit(lesson, get)
            first.user = username
            trainee = (username, module["key"], lesson)
        print(f"  offline: {track} track measured")
    if trainee is None:
        repeat = {"skipped": "no synthetic trainee with a track in the database"}
    else:
        username, module_key, lesson_path = trainee
        repeat = repeat_visits(base, username, PASSWORD, module_key, lesson_path)
    return {
        "accept_encoding": ACCEPT_ENCODING,
        "tracks": [asdict(t) for t in tracks],
        "first_visit": asdict(first) if first else None,
        "lesson": lesson,
        "repeat": repeat,
    }


# -- the browser ----------------------------------------------------------------------------


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


class CountingProxy:
    """A TCP relay in front of the server that counts the bytes it sends the browser.

    gunicorn's sync workers close each connection after one response, so the bytes of a
    connection are those of one request: each is kept as [request line, bytes sent].
    """

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.exchanges: list[list] = []  # since the last reset
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=30)
            except OSError:
                client.close()
                continue
            exchange = ["", 0]
            with self.lock:
                self.exchanges.append(exchange)
            for source, target, back in (
                (client, server, False),
                (server, client, True),
            ):
                threading.Thread(
                    target=self._pump,
                    args=(source, target, exchange, back),
                    daemon=True,
                ).start()

    def _pump(self, source, target, exchange: list, back: bool) -> None:
        try:
            while chunk := source.recv(65536):
                with self.lock:
                    if back:
                        exchange[1] += len(chunk)
                    else:
                        lines = re.findall(rb"(?m)^(?:GET|POST|HEAD) \S+", chunk)
                        exchange[0] = " ".join(
                            [exchange[0], *(x.decode("latin-1") for x in lines)]
                        ).strip()
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def reset(self) -> None:
        with self.lock:
            self.exchanges = []

    def seen(self) -> list[tuple[str, int]]:
        """Return (request line, bytes the server sent) since the last reset."""
        with self.lock:
            return [(line, sent) for line, sent in self.exchanges if line or sent]

    def close(self) -> None:
        self.listener.close()


def repeat_visits(
    base: str, username: str, password: str, module_key: str, lesson: str
) -> dict:
    """Save a module in Chromium, then open its lesson again online and offline."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "Playwright is not installed (pip install -e '.[test]')"}
    executable = chromium_executable()
    if executable is None:
        return {"skipped": "chromium is not installed (apt-get install chromium)"}
    proxy = CountingProxy(base)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            return _save_and_revisit(
                browser, proxy, username, password, module_key, lesson
            )
        finally:
            browser.close()
    except Exception as exc:  # noqa: BLE001 - a broken browser must not end the bench
        return {"skipped": f"the browser failed: {type(exc).__name__}: {exc}"[:300]}
    finally:
        playwright.stop()
        proxy.close()


def _phone(browser, proxy):
    context = browser.new_context(
        viewport=VIEWPORT,
        locale="km-KH",
        timezone_id="Asia/Phnom_Penh",
        base_url=proxy.url,
    )
    context.set_default_timeout(30_000)
    return context


def _save_and_revisit(browser, proxy, username, password, module_key, lesson) -> dict:
    context = _phone(browser, proxy)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form.card [type=submit]").click()
    if "/login" in page.url:
        return {"skipped": f"{username} could not sign in in the browser"}
    # A first visit on a phone that has seen nothing yet (the same session cookie): the
    # page, what it links, and what the service worker fetches when it installs.
    fresh = _phone(browser, proxy)
    fresh.add_cookies(context.cookies())
    visits = [_visit(fresh, fresh.new_page(), proxy, lesson, "first, fresh phone")]
    fresh.close()
    page.goto("/learn/offline")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto("/learn/offline")  # now under the service worker
    page.wait_for_load_state("networkidle")
    time.sleep(SETTLE)
    # Save every module of the track with its button, one after the other, as the
    # trainee would: what reaches the server is the real cost of the whole track.
    proxy.reset()
    keys = [
        row.get_attribute("data-module") for row in page.locator("[data-module]").all()
    ]
    for key in keys:
        row = page.locator(f"[data-module='{key}']")
        row.locator("button.save").click()
        page.wait_for_function(
            "key => caches.keys().then(ks => ks.some(k => k.startsWith('module-' + key)))",
            arg=key,
        )
        row.locator("button.remove").wait_for(state="visible")
    time.sleep(SETTLE)
    save_all = {"modules": len(keys), "server_requests": 0, "socket_bytes": 0}
    save_all["update_check_bytes"] = 0
    save_all["at_server"] = [f"{sent} {line}" for line, sent in proxy.seen()]
    for line, sent in proxy.seen():
        if line == UPDATE_CHECK:
            save_all["update_check_bytes"] += sent
        else:
            save_all["server_requests"] += 1
            save_all["socket_bytes"] += sent
    if module_key not in keys:
        return {
            "skipped": f"{module_key} is not on /learn/offline",
            "save_all": save_all,
        }
    page.goto(lesson)  # the first visit after saving: the next ones are repeat visits
    page.wait_for_load_state("networkidle")
    visits.append(_visit(context, page, proxy, lesson, "online"))
    context.set_offline(True)
    visits.append(_visit(context, page, proxy, lesson, "offline"))
    context.set_offline(False)
    context.close()
    return {
        "visits": [asdict(v) for v in visits],
        "save_all": save_all,
        "user": username,
    }


def _visit(context, page, proxy, lesson: str, name: str) -> Visit:
    """Open the lesson and count what came from the network, not the service worker."""
    finished, failed = [], []

    def keep(request):
        finished.append(request)

    def lost(request):
        failed.append(f"{request.failure} {urlsplit(request.url).path}")

    context.on("requestfinished", keep)
    context.on("requestfailed", lost)
    time.sleep(SETTLE)  # let the last visit's background work end before counting
    proxy.reset()
    response = page.goto(lesson)
    if response is None or not response.ok:
        raise RuntimeError(f"{name} visit to {lesson}: {response and response.status}")
    page.wait_for_load_state("networkidle")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    time.sleep(
        SETTLE
    )  # the worker refreshes a saved page, installs, checks for updates
    context.remove_listener("requestfinished", keep)
    context.remove_listener("requestfailed", lost)
    visit = Visit(name, 0, 0, 0, 0)
    for request in finished:
        answer = request.response()
        if answer is None:
            continue
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        who = "worker " if request.service_worker else ""
        if answer.from_service_worker:
            visit.served_by_worker += 1
            visit.requests.append(f"from worker: {path}")
            continue
        sizes = request.sizes()
        size = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
        visit.requests.append(f"{who}network {size}: {path}")
        if f"GET {path}" != UPDATE_CHECK:
            visit.network_bytes += size
            visit.network_responses += 1
    for line, sent in proxy.seen():
        visit.at_server.append(f"{sent} {line}")
        if line == UPDATE_CHECK:
            visit.update_check_bytes += sent
        else:
            visit.socket_bytes += sent
            visit.server_requests += 1
    return visit


# -- printing -------------------------------------------------------------------------------


def print_table(figures: dict) -> None:
    """Print the offline figures, against their targets where they have one."""
    print(
        "\nOffline mode (bytes as sent for Chrome on Android's Accept-Encoding: "
        f"{figures['accept_encoding']})"
    )
    print(f"{'figure':<50}{'URLs':>5}{'bytes':>9}{'plain':>9}  target")

    def row(label, urls, sent, plain, target="-"):
        print(f"{label:<50}{urls:>5}{sent:>9}{plain:>9}  {target}")

    for t in figures["tracks"]:
        bad = (
            f"  ({len(t['failed'])} not 200: {t['failed'][:3]})" if t["failed"] else ""
        )
        row(
            f"save track offline: {t['name']}",
            t["urls"],
            t["wire_bytes"],
            t["plain_bytes"],
            "-" + bad,
        )
    first = figures.get("first_visit")
    if first:
        row(
            "first visit to a lesson, no offline (HTTP)",
            first["urls"],
            first["wire_bytes"],
            first["plain_bytes"],
        )
    repeat = figures["repeat"]
    if "skipped" in repeat:
        print(
            f"browser figures (repeat visit to a saved lesson): skipped: {repeat['skipped']}"
        )
        print("  save track offline and first visit (HTTP): bodies only, each URL once")
        return
    labels = {
        "first, fresh phone": "first visit to a lesson, fresh phone",
        "online": "repeat visit to a saved lesson, online",
        "offline": "repeat visit to a saved lesson, offline",
    }
    print(f"{'browser (Chromium)':<50}{'reqs':>5}{'server':>9}{'not SW':>9}  target")
    every = repeat.get("save_all")
    if every:
        row(
            f"save track offline, each of {every['modules']} modules' buttons",
            every["server_requests"],
            every["socket_bytes"],
            "-",
        )
    for v in repeat["visits"]:
        target = "-"
        if v["name"] == "online":
            target = "-  (network first: the page itself)"
        if v["name"] == "offline":
            met = v["network_bytes"] == 0 and v["socket_bytes"] == 0
            target = "0  " + ("met" if met else "not met")
        row(
            labels.get(v["name"], v["name"]),
            v["server_requests"],
            v["socket_bytes"],
            v["network_bytes"],
            target,
        )
    visits = repeat["visits"]
    print(
        "  save track offline, first visit (HTTP): response bodies, each URL once;\n"
        "  browser: server = bytes the server sent (headers + body, at a counting"
        " proxy);\n  not SW = responses not served by the service worker (Playwright"
        " sizes(), counts HTTP-cache hits too);\n  both without Chromium's update"
        " check of /sw.js after each navigation: "
        + ", ".join(f"{v['name']} {v['update_check_bytes']}" for v in visits)
        + " bytes"
    )
    if any(v["name"] == "offline" and v["update_check_bytes"] for v in visits):
        print(
            "  (offline, that check still reached the server: Playwright's offline"
            " emulation does not cover it; a phone with no network sends nothing)"
        )
