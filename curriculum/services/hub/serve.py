"""Run a workshop hub on a laptop: its SQLite database, its address, a QR code, a server.

`flask hub serve` calls `hub_app` (an app on the hub's own SQLite file), `set_up` (the
schema, the provinces, the seeds), prints `banner`, then `run` serves the local network
with gunicorn (werkzeug when gunicorn is absent).
"""

import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

import segno
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from curriculum.config import Config, database_url
from curriculum.extensions import db
from curriculum.models import Workshop
from curriculum.services import geography
from curriculum.services.hub import seed
from curriculum.services.hub.export import seeded_hub_id

DEFAULT_PORT = 8000
DATABASE_NAME = "hub.sqlite3"
# Addresses a UDP socket is "connected" to, to learn which interface would carry the
# packets; nothing is sent. Private ranges first: a hall's Wi-Fi has no internet.
PROBES = ("10.255.255.255", "192.168.255.255", "172.31.255.255", "8.8.8.8")
LOOPBACK = "127.0.0.1"

# Printed in both languages whatever the locale: the person at the laptop may read
# either, and the risk is the same.
WARNING = (
    "ព្រមាន: ម៉ាស៊ីននេះបម្រើគ្រប់ឧបករណ៍នៅលើបណ្ដាញនេះ តាម HTTP ធម្មតា (មិនបានអ៊ិនគ្រីប)។ "
    "ប្រើតែបណ្ដាញ Wi-Fi ឯកជនរបស់សិក្ខាសាលា ដែលមានពាក្យសម្ងាត់ មិនមែន Wi-Fi សាធារណៈ "
    "ឬ Wi-Fi របស់ហាងកាហ្វេ ឬសណ្ឋាគារទេ។",
    "WARNING: this laptop serves every device on this network over plain HTTP (not "
    "encrypted). Use only the workshop's own private Wi-Fi with a password, never a "
    "public, cafe or hotel Wi-Fi.",
)


class HubServeError(RuntimeError):
    """The hub cannot start; the message says why (for the terminal, in English)."""


def database_path(option: str | None, environ_url: str | None, instance: Path) -> Path:
    """Return the hub's SQLite file: --database, else a SQLite DATABASE_URL, else instance/.

    The hub is one laptop with no server to talk to: any other database is refused.
    """
    if option:
        return Path(option).expanduser().resolve()
    url = database_url(environ_url, instance / DATABASE_NAME)
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix:
        raise HubServeError(
            "The hub runs on an embedded SQLite database; unset DATABASE_URL "
            f"(it points at {url.split(':', 1)[0]}) or pass --database PATH."
        )
    return Path(url[len(prefix) :])


def default_hub_id(hostname: str | None = None) -> str:
    """Return a hub id made from the computer's name, e.g. hub-pursat-laptop-2."""
    name = (hostname if hostname is not None else socket.gethostname()).lower()
    name = re.sub(r"[^a-z0-9-]+", "-", name.split(".")[0]).strip("-")
    return f"hub-{name or 'laptop'}"[:64]


def hub_config(path: Path, base: type[Config] = Config) -> type[Config]:
    """Return a Config class for the hub's SQLite file (HUB_ID as the environment says)."""

    class HubConfig(base):
        HUB_JOIN_URL = ""
        # Plain HTTP on the hall's Wi-Fi: a Secure cookie would never come back.
        SESSION_COOKIE_SECURE = False
        PREFERRED_URL_SCHEME = "http"
        HSTS = False

        def __init__(self, instance_path: Path) -> None:
            super().__init__(instance_path)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    return HubConfig


def lan_ip(probes: tuple[str, ...] = PROBES) -> str:
    """Return this computer's address on the local network, or 127.0.0.1.

    Connecting a UDP socket sends nothing; it only picks the interface whose address
    the packets would leave from.
    """
    for target in probes:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((target, 1))
                address = sock.getsockname()[0]
        except OSError:
            continue
        if address and not address.startswith("127.") and address != "0.0.0.0":  # noqa: S104
            return address
    return LOOPBACK


def join_url(address: str, port: int) -> str:
    """Return the short address phones type or scan to join the hub."""
    return f"http://{address}:{port}" if port != 80 else f"http://{address}"


def qr_svg(url: str, scale: int = 12) -> str:
    """Return an inline SVG QR code of a URL, large enough to project."""
    return segno.make(url, error="m").svg_inline(
        scale=scale, border=4, dark="#000", light="#fff", title=url
    )


def qr_text(url: str, ansi: bool = True) -> str:
    """Return a QR code of a URL for a terminal: two modules per character, half blocks.

    With `ansi`, black on white is set explicitly, so that the code scans on a dark
    terminal too (a phone camera wants dark modules on a light ground).
    """
    matrix = [list(row) for row in segno.make(url, error="m").matrix]
    border = 2
    width = len(matrix[0]) + 2 * border
    blank = [0] * width
    rows = [blank] * border + [[0] * border + r + [0] * border for r in matrix]
    rows += [blank] * border
    if len(rows) % 2:
        rows.append(blank)
    glyphs = {(0, 0): " ", (1, 0): "▀", (0, 1): "▄", (1, 1): "█"}
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        line = "".join(
            glyphs[bool(a), bool(b)] for a, b in zip(top, bottom, strict=True)
        )
        lines.append(f"\x1b[30;47m{line}\x1b[0m" if ansi else line)
    return "\n".join(lines)


@dataclass
class SetUp:
    """What preparing the hub's database did: its hub id, the seeds, its workshops."""

    hub_id: str = ""
    loaded: list[seed.LoadResult] = field(default_factory=list)
    workshops: int = 0


def set_up(app: Flask, seeds: list[bytes]) -> SetUp:
    """Build the schema, add the provinces, name the hub, load each seed.

    HUB_ID, when unset, becomes the id this database's seeds were loaded under, else
    one made from the computer's name; another HUB_ID than the seeds' raises
    HubServeError. Each seed is loaded all or nothing; a seed refused raises
    BundleError and stops the rest.
    """
    done = SetUp()
    with app.app_context():
        upgrade()
        geography.ensure_provinces()
        seeded = seeded_hub_id()
        if not app.config.get("HUB_ID"):
            app.config["HUB_ID"] = seeded or default_hub_id()
        elif seeded is not None and seeded != app.config["HUB_ID"]:
            raise HubServeError(
                f"this hub was prepared as {seeded}; run it with HUB_ID={seeded} "
                "(or unset HUB_ID)"
            )
        done.hub_id = app.config["HUB_ID"]
        with app.test_request_context("/?lang=en"):
            for raw in seeds:
                done.loaded.append(seed.load_seed(raw))
        done.workshops = db.session.scalar(select(func.count(Workshop.id)))
        db.session.remove()
        # Workers are forked from this process: none may inherit an open connection.
        db.engine.dispose()
    return done


def banner(url: str, ansi: bool) -> list[str]:
    """Return the lines printed before serving: the warning, the address, the QR code."""
    rule = "=" * 72
    return [
        rule,
        *WARNING,
        rule,
        "",
        "ភ្ជាប់ទូរសព្ទទៅ Wi-Fi នេះ រួចស្កេនកូដ QR ឬវាយអាសយដ្ឋាននេះ:",
        "Join this Wi-Fi, then scan the QR code or type this address:",
        "",
        f"    {url}",
        "",
        qr_text(url, ansi=ansi),
        "",
        f"Facilitators: {url}/hub/join shows this code large enough to project.",
        "Stop the hub with Ctrl+C.",
    ]


def run(app: Flask, port: int, workers: int = 2, threads: int = 8) -> None:
    """Serve the app on every interface with gunicorn, or werkzeug without it."""
    bind = f"0.0.0.0:{port}"  # noqa: S104 - the hub serves the hall's Wi-Fi
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # pragma: no cover - gunicorn is pinned in setup.cfg
        from werkzeug.serving import run_simple

        run_simple("0.0.0.0", port, app, threaded=True)  # noqa: S104
        return

    class _Hub(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")

        def load(self) -> Flask:
            return app

    _Hub().run()
