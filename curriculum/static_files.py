"""Fingerprinted static URLs, so that static files can be cached for a year."""

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, url_for


@cache
def _fingerprint(path: Path, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """Return the URL of a static file with its content hash, for long caching."""
    path = Path(current_app.static_folder) / filename
    version = _fingerprint(path, path.stat().st_mtime) if path.exists() else "0"
    return url_for("static", filename=filename, v=version)


def fingerprint(filename: str) -> str:
    """Return a static file's content hash ("0" when it is missing)."""
    path = Path(current_app.static_folder) / filename
    return _fingerprint(path, path.stat().st_mtime) if path.exists() else "0"
