"""The offline figures in a real browser: save a module with its button, visit again.

Debian's chromium driven by Playwright (as the browser tests launch it), behind a
byte-counting proxy, so that the bytes are what the server sent, not what Playwright
saw; skipped with the reason when Chromium or Playwright is missing.
"""

import os
import re
import shutil
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

# What Chrome on Android (123 and later) sends.

# Headless Chromium as the browser tests start it too (tests/browser/conftest.py).
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
