"""Load generators (wrk or Python), a signed-in browser, in-process query counts."""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Result:
    """What was measured for one page."""

    page: str
    path: str
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    errors: int
    sql_statements: int
    bytes_uncompressed: int
    bytes_compressed: int
    tool: str


class Browser:
    """A minimal keep-alive HTTP client with a cookie jar, for signing in."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": self.cookie_header(), "Accept-Language": "km"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def sign_in(self, username: str, password: str) -> None:
        from urllib.parse import urlencode

        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
        body = urlencode(
            {"csrf_token": token.group(1), "username": username, "password": password}
        )
        status, _ = self.request("POST", "/login", body)
        if status != 302:
            raise SystemExit(f"could not sign in as {username}")


def wrk(base: str, path: str, cookie: str, seconds: int, connections: int) -> dict:
    """Load one GET page with wrk; return rps, p50, p95 and errors."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(
        f'wrk.headers["Cookie"] = "{cookie}"\n'
        'wrk.headers["Accept-Encoding"] = "br, gzip"\n'
        'wrk.headers["Accept-Language"] = "km"\n'
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("RESULT %f %f %d %d\\n", latency:percentile(50),'
        " latency:percentile(95), summary.requests, summary.errors.status +"
        " summary.errors.connect + summary.errors.read + summary.errors.write +"
        " summary.errors.timeout))\n"
        "end\n"
    )
    script.close()
    done = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk"),
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-s",
            script.name,
            base + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(script.name)
    p50, p95, total, errors = re.search(
        r"RESULT (\S+) (\S+) (\d+) (\d+)", done.stdout
    ).groups()
    return {
        "rps": int(total) / seconds,
        "p50": float(p50) / 1000,
        "p95": float(p95) / 1000,
        "errors": int(errors),
    }


def python_load(base: str, make_request, seconds: int, connections: int) -> dict:
    """Load a page from threads with keep-alive connections; return rps, p50, p95."""
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    finished = [time.perf_counter()]

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status = make_request(conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(
                    parts.hostname, parts.port, timeout=30
                )
                status = 0
            if status is None:  # nothing left to send (every trainee submitted)
                break
            mine.append(time.perf_counter() - started)
            if status >= 400 or status == 0:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
            finished[0] = max(finished[0], time.perf_counter())

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    elapsed = max(min(finished[0], stop) - began, 0.001)
    return {
        "rps": len(latencies) / elapsed,
        "p50": 1000 * statistics.median(latencies) if latencies else 0,
        "p95": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0,
        "errors": errors[0],
    }


def get_request(path: str, cookie: str):
    """Return a function that GETs a page on a kept-alive connection."""

    def run(conn):
        conn.request(
            "GET",
            path,
            headers={
                "Cookie": cookie,
                "Accept-Encoding": "br, gzip",
                "Accept-Language": "km",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status

    return run


def quiz_submit_request(
    browsers: list["Browser"], quiz_path: str, answers: str, quota: int
):
    """Return a function that loads a quiz and submits it as the next trainee in turn.

    Each trainee may submit `quota` attempts (the quiz file's maximum), so the load
    rotates through many signed-in trainees; a refused attempt counts as an error.
    """
    turns = [b for b in browsers for _ in range(quota)]
    lock = threading.Lock()

    def run(conn):
        with lock:
            if not turns:
                return None
            browser = turns.pop()
        headers = {"Cookie": browser.cookie_header(), "Accept-Language": "km"}
        conn.request("GET", quiz_path, headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
        if not csrf or not token:
            return 500
        body = f"csrf_token={csrf.group(1)}&token={token.group(1)}&{answers}"
        conn.request(
            "POST",
            quiz_path,
            body=body,
            headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location") or ""
        return 200 if response.status == 302 and "/attempts/" in location else 500

    return run


def in_process(env: dict, pages: dict, users: dict) -> dict:
    """Count SQL statements and bytes of each page once, inside the app."""
    os.environ.update(env)
    from sqlalchemy import event

    from curriculum.app import create_app
    from curriculum.extensions import db

    app = create_app()
    out = {}
    for name, (path, who) in pages.items():
        with app.app_context():  # a context per page: nothing cached from the last one
            client = app.test_client()
            login_page = client.get("/login").get_data(as_text=True)
            token = re.search(
                r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login_page
            )
            client.post(
                "/login",
                data={
                    "username": users[who][0],
                    "password": users[who][1],
                    "csrf_token": token.group(1),
                },
            )
            statements = []

            def record(*args, _s=statements):
                _s.append(1)

            client.get(path, headers={"Accept-Language": "km"})  # warm caches
            event.listen(db.engine, "before_cursor_execute", record)
            plain = client.get(path, headers={"Accept-Language": "km"})
            event.remove(db.engine, "before_cursor_execute", record)
            packed = client.get(
                path, headers={"Accept-Encoding": "br, gzip", "Accept-Language": "km"}
            )
            out[name] = (len(statements), len(plain.get_data()), len(packed.get_data()))
    return out
