"""`make bench`: serve a synthetic data set with gunicorn and measure the key pages.

For each page it prints, and writes to instance/bench.json: requests per second, p50 and
p95 latency at 20 connections (wrk when installed, else a Python load generator), SQL
statements per request, and response bytes compressed and uncompressed.

    python -m curriculum.bench [--scale 10000] [--seconds 10] [--connections 20]

DATABASE_URL chooses the database (PostgreSQL when set); by default a SQLite file in
instance/ is built afresh. BENCH_URLS="http://host1:8000 http://host2:8000" measures
running instances instead of starting one (the data must then come from
`flask demo --scale` on their database).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from curriculum.config import ROOT

PYTHON = sys.executable
BIN = Path(PYTHON).parent


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(args: list[str], env: dict) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def prepare(env: dict, scale: int) -> None:
    """Build the data set: afresh in the bench SQLite file; elsewhere only if empty.

    A DATABASE_URL of yours is never wiped: when it already holds synthetic trainees
    they are measured as they are.
    """
    url = env.get("DATABASE_URL", "")
    if url.startswith("sqlite:///") and url.endswith("bench.sqlite3"):
        path = Path(url[len("sqlite:///") :])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    _flask(["db", "upgrade"], env)
    existing = _synthetic_count(env)
    if existing:
        print(f"Using the {existing} synthetic trainees already in the database.")
        return
    print(_flask(["demo", "--scale", str(scale)], env).strip().splitlines()[-2])


def _synthetic_count(env: dict) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM users WHERE username LIKE 'syn-%'")
        ).scalar()
    engine.dispose()
    return count or 0


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    """Start gunicorn on localhost and wait until it answers."""
    process = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("gunicorn did not start")


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

    from curriculum import create_app
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


def main() -> None:
    """Run the benchmark and print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=int(os.environ.get("BENCH_SCALE", 10000))
    )
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10))
    )
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()

    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'bench.sqlite3'}")
    env["SECRET_KEY"] = env.get("SECRET_KEY") or "bench-secret-key-not-for-production"
    database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    external = os.environ.get("BENCH_URLS", "").split()
    servers = []
    if not external:
        print(f"Preparing synthetic trainees on {database}...")
        prepare(env, args.scale)
        port = _free_port()
        servers.append(start_gunicorn(env, port, args.workers))
        bases = [f"http://127.0.0.1:{port}"]
    else:
        bases = external
    try:
        results = run_pages(env, bases, args)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    report = {
        "database": database,
        "scale": _synthetic_count(env),
        "cores": os.cpu_count(),
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "instances": len(bases),
        "pages": [asdict(r) for r in results],
    }
    (instance / "bench.json").write_text(json.dumps(report, indent=2))
    print(
        f"\n{'page':<16}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'err':>5}{'SQL':>5}"
        f"{'bytes':>8}{'br':>7}  tool"
    )
    for r in results:
        print(
            f"{r.page:<16}{r.requests_per_second:>8.0f}{r.p50_ms:>8.1f}{r.p95_ms:>8.1f}"
            f"{r.errors:>5}{r.sql_statements:>5}{r.bytes_uncompressed:>8}"
            f"{r.bytes_compressed:>7}  {r.tool}"
        )
    print(
        f"\n{database}, {os.cpu_count()} cores, {args.workers} workers; "
        f"written to {instance / 'bench.json'}"
    )


def run_pages(env: dict, bases: list[str], args) -> list[Result]:
    """Sign in, then load each key page in turn."""
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        trainee = conn.execute(
            text(
                "SELECT username FROM users WHERE username LIKE 'syn-%' ORDER BY id LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    from curriculum.services.synthetic import PASSWORD

    committee_pw = admin_pw = "bench-password-123"  # noqa: S105
    _flask(
        [
            "users",
            "create",
            "bench.committee",
            "--name",
            "Bench",
            "--role",
            "committee",
            "--province",
            "15",
            "--password",
            committee_pw,
        ],
        env,
    ) if not _exists(env, "bench.committee") else None
    _flask(
        [
            "users",
            "create",
            "bench.admin",
            "--name",
            "Bench",
            "--role",
            "admin",
            "--password",
            admin_pw,
        ],
        env,
    ) if not _exists(env, "bench.admin") else None
    users = {
        "trainee": (trainee, PASSWORD),
        "committee": ("bench.committee", committee_pw),
        "admin": ("bench.admin", admin_pw),
    }
    from curriculum.config import Config
    from curriculum.content import load_catalog, term_anchor

    catalog = load_catalog(
        Config.ROOT, Config.MODULES_DIR, Config.QUIZZES_DIR, term_anchor
    )
    module = catalog.modules[0]
    quiz = catalog.quiz(module.quiz_key)
    pages = {
        "trainee home": ("/learn/", "trainee"),
        "lesson": (f"/learn/{module.key}/{module.lessons[0].key}", "trainee"),
        "quiz page": (f"/quiz/{quiz.key}", "trainee"),
        "committee queue": ("/committee/", "committee"),
        "report page": ("/reports/", "admin"),
    }
    measured = in_process(env, pages, users)
    results = []
    base = bases[0]
    browsers = {}
    for who, (name, password) in users.items():
        browsers[who] = Browser(base)
        browsers[who].sign_in(name, password)
    tool = "wrk" if shutil.which("wrk") and len(bases) == 1 else "python"
    for name, (path, who) in pages.items():
        cookie = browsers[who].cookie_header()
        if tool == "wrk":
            load = wrk(base, path, cookie, args.seconds, args.connections)
        else:
            load = python_load(
                base, get_request(path, cookie), args.seconds, args.connections
            )
        sql, plain, packed = measured[name]
        results.append(
            Result(
                name,
                path,
                load["rps"],
                load["p50"],
                load["p95"],
                load["errors"],
                sql,
                plain,
                packed,
                tool,
            )
        )
        print(f"  {name}: {load['rps']:.0f} req/s")
    answers = "&".join(
        f"q-{q.key}={k}" for q in quiz.questions for k in sorted(q.correct)
    )
    submitters = _sign_in_many(base, env, quiz.key, 500)
    submitter = quiz_submit_request(
        submitters, f"/quiz/{quiz.key}", answers, quiz.max_attempts or 50
    )
    load = python_load(base, submitter, args.seconds, args.connections)
    results.append(
        Result(
            "quiz submit",
            f"/quiz/{quiz.key}",
            load["rps"],
            load["p50"],
            load["p95"],
            load["errors"],
            0,
            0,
            0,
            "python (GET+POST)",
        )
    )
    return results


def _sign_in_many(base: str, env: dict, quiz_key: str, count: int) -> list[Browser]:
    """Sign in synthetic trainees who have not taken a quiz yet, in parallel."""
    from sqlalchemy import create_engine, text

    from curriculum.services.synthetic import PASSWORD

    engine = create_engine(_sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        names = list(
            conn.execute(
                text(
                    "SELECT username FROM users u WHERE username LIKE 'syn-%' AND NOT EXISTS"
                    " (SELECT 1 FROM quiz_attempts a WHERE a.user_id = u.id"
                    " AND a.quiz_key = :q) ORDER BY id LIMIT :n"
                ),
                {"q": quiz_key, "n": count},
            ).scalars()
        )
    engine.dispose()
    browsers = [Browser(base) for _ in names]
    threads = [
        threading.Thread(target=b.sign_in, args=(name, PASSWORD))
        for b, name in zip(browsers, names, strict=True)
    ]
    for i in range(0, len(threads), 8):
        for thread in threads[i : i + 8]:
            thread.start()
        for thread in threads[i : i + 8]:
            thread.join()
    return browsers


def _exists(env: dict, username: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM users WHERE username = :u"), {"u": username}
        ).first()
    engine.dispose()
    return found is not None


def _sqlalchemy_url(url: str) -> str:
    from curriculum.config import database_url

    return database_url(url, ROOT / "instance" / "bench.sqlite3")


if __name__ == "__main__":
    main()
