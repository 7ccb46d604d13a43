"""Consistent copies of the SQLite database, taken with SQLite's online backup API."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path


class BackupError(RuntimeError):
    """The backup could not be made; the message says why."""


def sqlite_path(url: str) -> Path:
    """Return the file of a SQLite URL, or raise BackupError for other databases."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix:
        raise BackupError(
            "flask backup copies the SQLite database only; on PostgreSQL use pg_dump "
            "(see the README)"
        )
    return Path(url[len(prefix) :])


def backup_sqlite(source: Path, target: Path | None, folder: Path) -> Path:
    """Copy a live SQLite database page by page while others keep writing; return the copy."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"curriculum-{stamp}.sqlite3"
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=1024)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
    finally:
        src.close()
        dst.close()
    target.chmod(0o600)  # the copy holds vetting notes: readable by its owner only
    return target
