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
import re
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

import brotli

from curriculum.bench.offline_browser import (  # the browser's half
    CountingProxy,  # noqa: F401 - the tests use it from here
    Visit,  # noqa: F401
    repeat_visits,
)
from curriculum.services import offline

try:  # Python 3.14
    from compression import zstd
except ImportError:  # Python <= 3.13: the backport Flask-Compress depends on
    from backports import zstd

# What Chrome on Android (123 and later) sends.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"

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
