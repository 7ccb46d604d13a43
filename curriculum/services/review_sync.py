"""Translation review on every worker: notice a correction, swap the catalogue.

Each correction raises the content revision (services/review.py); `sync_catalog`, run
before each request at most every CONTENT_CHECK_SECONDS, rebuilds the catalogue from the
files with the corrections when the revision changed. A request keeps the catalogue it
started with (curriculum.content.catalog pins it).
"""

import logging
import threading
import time

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from curriculum.content import ContentInvalid, load_catalog, term_anchor
from curriculum.content import items as content_items
from curriculum.content.items import ItemMismatch
from curriculum.extensions import babel, db
from curriculum.i18n import forget_translations
from curriculum.models import (
    ContentRevision,
)
from curriculum.services.review_items import (
    _is_ui,
    _paths,
    corrections,
    item,
    ui_corrections,
)

log = logging.getLogger(__name__)

# -- the catalogue on every worker ----------------------------------------------------
_lock = threading.Lock()


def revision() -> int:
    """Return the number of the latest change to the corrections (0: none yet)."""
    return _stamp()[0]


def _stamp() -> tuple[int, str]:
    """Return what identifies the corrections now: their number and when they changed.

    The time makes it unique even when the number starts again (a database restored
    from a backup, or emptied by the test suite).
    """
    row = db.session.execute(
        select(ContentRevision.number, ContentRevision.changed_at).where(
            ContentRevision.id == 1
        )
    ).first()
    return (row[0], row[1].isoformat()) if row else (0, "")


def build_catalog(app: Flask, number: int):
    """Load the catalogue from the files with the content corrections applied."""
    root, modules_dir, quizzes_dir = _paths(app)
    found = {
        k: v for k, v in corrections().items() if item(k) is not None and not _is_ui(k)
    }
    texts = content_items.overrides(root, found)
    return load_catalog(
        root, modules_dir, quizzes_dir, term_anchor, texts, revision=number
    )


def sync_catalog(app: Flask, *, force: bool = False) -> None:
    """Swap in a catalogue with the latest corrections when another worker made one."""
    state = app.extensions.setdefault("catalog_sync", {"checked": 0.0})
    now = time.monotonic()
    if not force and now - state["checked"] < app.config["CONTENT_CHECK_SECONDS"]:
        return
    state["checked"] = now
    try:
        stamp = _stamp()
    except (OperationalError, ProgrammingError):  # before `flask db upgrade`
        db.session.rollback()
        return
    if stamp == state.get("stamp", (0, "")):
        return
    with _lock:
        if stamp == state.get("stamp", (0, "")):
            return
        number = stamp[0]
        state["stamp"] = stamp  # tried once per change, even when it fails
        try:
            app.extensions["catalog"] = build_catalog(app, number)
            app.extensions["ui_corrections"] = (stamp, ui_corrections())
            forget_translations(babel)
        except (ContentInvalid, ItemMismatch, OSError) as exc:
            # The files changed under the corrections: keep serving what we have.
            log.error("corrections not applied (revision %s): %s", number, exc)
