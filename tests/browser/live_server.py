"""The application in a subprocess: `flask run` on its own SQLite file with demo data."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from curriculum.config import Config

ROOT = Config.ROOT
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SERVER_START_SECONDS = 30
SECRET_KEY = "browser-tests-secret-key-not-for-production"  # noqa: S105


# -- the application in a subprocess ---------------------------------------------------


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]  # the venv running pytest
RUN_OPTIONS = ["--no-reload", "--no-debugger"]


@dataclass(frozen=True)
class LiveServer:
    """The running application: its address, demo passwords and database file."""

    url: str
    passwords: dict[str, str]
    database: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_command(env: dict, *args: str) -> str:
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


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
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
