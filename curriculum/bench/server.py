"""Prepare the data and start gunicorn for the benchmark."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from curriculum.config import ROOT

PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(args: list[str], env: dict) -> str:
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
    flask(["db", "upgrade"], env)
    existing = synthetic_count(env)
    if existing:
        print(f"Using the {existing} synthetic trainees already in the database.")
        return
    print(flask(["demo", "--scale", str(scale)], env).strip().splitlines()[-2])


def synthetic_count(env: dict) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
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


def exists(env: dict, username: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM users WHERE username = :u"), {"u": username}
        ).first()
    engine.dispose()
    return found is not None


def sqlalchemy_url(url: str) -> str:
    from curriculum.config import database_url

    return database_url(url, ROOT / "instance" / "bench.sqlite3")
