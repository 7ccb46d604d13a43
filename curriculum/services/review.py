"""Translation review: native speakers correct and approve the Khmer, item by item.

The items come from the content files (content/items.py). A reviewer's correction is
kept in the database with its history, checked like the files are (Khmer spelling and
order, then the whole curriculum loaded with it), and reaches trainees on every worker:
each correction raises the content revision, and `sync_catalog` (run before each
request, at most every CONTENT_CHECK_SECONDS) rebuilds the catalogue when it changed.
The catalogue a request started with stays the same until its end.

`flask content export` writes approved corrections into the files (`export_files`).
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from curriculum.content import ContentInvalid, load_catalog, term_anchor
from curriculum.content import items as content_items
from curriculum.content.items import UI_GROUP, Item, ItemMismatch, placeholders
from curriculum.content.spelling import Problem, text_problems
from curriculum.content.stamping import stamp_text
from curriculum.extensions import babel, db
from curriculum.i18n import forget_translations
from curriculum.models import (
    ContentRevision,
    TranslationEvent,
    TranslationReview,
    User,
)
from curriculum.models.base import utcnow
from curriculum.services import audit

log = logging.getLogger(__name__)

MAX_LENGTH = 6000  # characters of one item's Khmer
UI_CATALOGUE = Path("km/LC_MESSAGES/messages.po")


class ReviewRefused(ValueError):
    """A reviewer's action was refused; the code says why (views say it in words)."""

    def __init__(self, code: str, problems: list[Problem] | None = None, **params):
        super().__init__(code)
        self.code = code
        self.problems = problems or []
        self.params = params


@dataclass(frozen=True)
class ItemState:
    """An item as the review page shows it."""

    item: Item
    km: str  # the Khmer trainees see now: the correction, or the file's
    state: str  # draft | needs_change | approved | stale
    corrected: bool
    # The file's Khmer changed (in git) after this correction was made: which is right?
    conflict: bool = False
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Progress:
    """Items approved (and not stale) out of all, for a module, a lesson or a file."""

    approved: int
    total: int

    @property
    def done(self) -> bool:
        return self.total > 0 and self.approved == self.total


@dataclass
class _Items:
    items: list[Item]
    by_key: dict[str, Item] = field(default_factory=dict)


_cache: dict[tuple, _Items] = {}


def _ui_path(app: Flask | None = None) -> Path:
    return Path((app or current_app).config["TRANSLATIONS_DIR"]) / UI_CATALOGUE


def _paths(app: Flask | None = None) -> tuple[Path, Path, Path]:
    config = (app or current_app).config
    return (
        Path(config["ROOT"]),
        Path(config["MODULES_DIR"]),
        Path(config["QUIZZES_DIR"]),
    )


def all_items() -> list[Item]:
    """Return every translatable item of the files (read once per process)."""
    return _items().items


def _items() -> _Items:
    paths = _paths()
    ui = _ui_path()
    found = _cache.get((*paths, ui))
    if found is None:
        listed = content_items.read_items(*paths)
        if ui.is_file():
            rel = (
                str(ui.relative_to(paths[0]))
                if ui.is_relative_to(paths[0])
                else str(ui)
            )
            listed += content_items.ui_items(rel, ui.read_text(encoding="utf-8"))
        found = _Items(listed, {item.key: item for item in listed})
        _cache[(*paths, ui)] = found
    return found


def forget_items() -> None:
    """Read the items from the files again next time (after the files changed)."""
    _cache.clear()


def item(key: str) -> Item | None:
    """Return the item with this key, or None."""
    return _items().by_key.get(key)


def _rows(keys=None) -> dict[str, TranslationReview]:
    query = select(TranslationReview)
    if keys is not None:
        query = query.where(TranslationReview.item_key.in_(list(keys)))
    return {row.item_key: row for row in db.session.scalars(query)}


def _state(item: Item, row: TranslationReview | None) -> str:
    if row is None:
        return "draft"
    if row.state == "approved" and row.en_hash != item.en_hash:
        return "stale"
    return row.state


def _bases(keys) -> dict[str, str]:
    """Return the file's Khmer each correction started from (its first edit's "before")."""
    first: dict[str, str] = {}
    events = db.session.execute(
        select(TranslationEvent.item_key, TranslationEvent.before)
        .where(
            TranslationEvent.item_key.in_(list(keys)),
            TranslationEvent.action.in_(("edit", "import", "revert")),
        )
        .order_by(TranslationEvent.id)
    )
    for key, before in events:
        first.setdefault(key, before)
    return first


def conflicts(items: list[Item] | None = None) -> list[Item]:
    """Return the items whose file changed after a correction was made to them."""
    return [s.item for s in states(items or all_items()) if s.conflict]


def states(items: list[Item]) -> list[ItemState]:
    """Return the review state of each item, with the Khmer trainees see now."""
    rows = _rows(i.key for i in items)
    corrected_keys = [k for k, row in rows.items() if row.km_text is not None]
    bases = _bases(corrected_keys) if corrected_keys else {}
    result = []
    for it in items:
        row = rows.get(it.key)
        corrected = row is not None and row.km_text is not None
        base = bases.get(it.key)
        result.append(
            ItemState(
                item=it,
                km=row.km_text if corrected else it.km,
                state=_state(it, row),
                corrected=corrected,
                conflict=corrected
                and base is not None
                and base != it.km
                and row.km_text != it.km,
                updated_by=row.updated_by.display_name
                if row and row.updated_by
                else None,
                updated_at=row.updated_at if row else None,
            )
        )
    return result


def groups() -> dict[str, list[Item]]:
    """Return the items by group (a module key, glossary, knowledge, ...), in order."""
    grouped: dict[str, list[Item]] = {}
    for it in all_items():
        grouped.setdefault(it.group, []).append(it)
    return grouped


def parts(items: list[Item]) -> list[str]:
    """Return the parts (lessons, quiz, ...) of a group's items, in order."""
    return list(dict.fromkeys(it.part for it in items))


def progress_by(*attributes: str) -> dict:
    """Return progress per group, or per (group, part), of the items.

    `progress_by("group")` is keyed by group; `progress_by("group", "part")` by pairs.
    """
    rows = _rows()
    approved: Counter = Counter()
    total: Counter = Counter()
    for it in all_items():
        values = tuple(getattr(it, name) for name in attributes)
        name = values[0] if len(values) == 1 else values
        total[name] += 1
        if _state(it, rows.get(it.key)) == "approved":
            approved[name] += 1
    return {name: Progress(approved[name], total[name]) for name in total}


def progress_of(items: list[Item]) -> Progress:
    """Return how many of these items are approved (and not stale)."""
    rows = _rows(i.key for i in items)
    done = sum(1 for it in items if _state(it, rows.get(it.key)) == "approved")
    return Progress(done, len(items))


def lesson_progress(module_key: str, lesson_key: str) -> Progress:
    """Return how much of one lesson's Khmer is approved."""
    return progress_of(
        [it for it in all_items() if it.group == module_key and it.part == lesson_key]
    )


def history(key: str) -> list[TranslationEvent]:
    """Return what was done to an item, newest first."""
    return list(
        db.session.scalars(
            select(TranslationEvent)
            .where(TranslationEvent.item_key == key)
            .order_by(TranslationEvent.id.desc())
        )
    )


def ui_corrections() -> dict[str, str]:
    """Return the corrected Khmer of interface sentences (English -> Khmer)."""
    return {item(key).en: text for key, text in corrections().items() if _is_ui(key)}


def corrections() -> dict[str, str]:
    """Return every item's corrected Khmer (key -> text)."""
    return {
        key: text
        for key, text in db.session.execute(
            select(TranslationReview.item_key, TranslationReview.km_text).where(
                TranslationReview.km_text.is_not(None)
            )
        )
    }


# -- reviewer actions -----------------------------------------------------------------
def _known(key: str) -> Item:
    found = item(key)
    if found is None:
        raise ReviewRefused("unknown_item")
    return found


def check_text(it: Item, text: str) -> str:
    """Return the cleaned Khmer of a correction, or raise ReviewRefused saying why."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ReviewRefused("empty")
    if len(text) > MAX_LENGTH:
        raise ReviewRefused("too_long", limit=MAX_LENGTH)
    if it.kind != "text" and "\n\n" in text:
        raise ReviewRefused("blank_line")
    if it.kind in ("title", "term", "name") and "\n" in text:
        raise ReviewRefused("one_line")
    if it.kind == "ui" and placeholders(text) != placeholders(it.en):
        raise ReviewRefused("placeholders", names=" ".join(placeholders(it.en)))
    if it.kind == "heading" and not text.startswith(it.km.split(" ", 1)[0] + " "):
        raise ReviewRefused("heading", marks=it.km.split(" ", 1)[0])
    problems = text_problems(text)
    if problems:
        raise ReviewRefused("khmer", problems)
    return text


def _check_whole(changes: Mapping[str, str]) -> None:
    """Load the whole curriculum with these corrections; refuse what it rejects."""
    root, modules_dir, quizzes_dir = _paths()
    changes = {k: v for k, v in changes.items() if not _is_ui(k)}
    try:
        texts = content_items.overrides(root, changes, _items().by_key)
        load_catalog(root, modules_dir, quizzes_dir, term_anchor, texts)
    except ItemMismatch:
        raise ReviewRefused("mismatch") from None
    except ContentInvalid as exc:
        raise ReviewRefused(
            "invalid", details=[e.message for e in exc.errors][:3]
        ) from None


def _row(it: Item) -> TranslationReview:
    row = db.session.scalar(
        select(TranslationReview).where(TranslationReview.item_key == it.key)
    )
    if row is None:
        row = TranslationReview(item_key=it.key, state="draft", en_hash=it.en_hash)
        db.session.add(row)
    return row


def _record(by: User | None, it: Item, action: str, **values) -> None:
    db.session.add(
        TranslationEvent(
            item_key=it.key,
            action=action,
            en_hash=it.en_hash,
            by_id=by and by.id,
            **values,
        )
    )
    audit.record(by, f"translation.{action}", "content", None, {"item": it.key})


def _bump() -> None:
    changed = db.session.execute(
        update(ContentRevision)
        .where(ContentRevision.id == 1)
        .values(number=ContentRevision.number + 1, changed_at=utcnow())
    ).rowcount
    if not changed:
        db.session.add(ContentRevision(id=1, number=1, changed_at=utcnow()))


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ReviewRefused("busy") from None
    sync_catalog(current_app._get_current_object(), force=True)


def edit(by: User, key: str, text: str, *, approve: bool = False, action="edit"):
    """Correct an item's Khmer (and approve it at once when asked); return its state."""
    it = _known(key)
    text = check_text(it, text)
    row = _row(it)
    before = row.km_text if row.km_text is not None else it.km
    if text == before and not approve:
        raise ReviewRefused("unchanged")
    if text != before:
        others = corrections()
        others[key] = text
        _check_whole({k: v for k, v in others.items() if k in _items().by_key})
        row.km_text = None if text == it.km else text
        _record(by, it, action, before=before, after=text)
        _bump()
    if approve:
        row.state = "approved"
        _record(by, it, "approve", after=text)
    elif text != before:
        row.state = "draft"
    row.en_hash = it.en_hash
    row.updated_by_id = by.id
    row.updated_at = utcnow()
    _commit()
    return states([it])[0]


def approve(by: User, key: str):
    """Approve an item's Khmer as it is now."""
    return edit(by, key, _current(key), approve=True)


def _current(key: str) -> str:
    it = _known(key)
    row = db.session.scalar(
        select(TranslationReview).where(TranslationReview.item_key == key)
    )
    return row.km_text if row is not None and row.km_text is not None else it.km


def needs_change(by: User, key: str, comment: str):
    """Mark an item as needing a change, with a comment for the writer."""
    it = _known(key)
    comment = _comment(comment)
    row = _row(it)
    row.state = "needs_change"
    row.en_hash = it.en_hash
    row.updated_by_id = by.id
    row.updated_at = utcnow()
    _record(by, it, "needs_change", comment=comment)
    _commit()
    return states([it])[0]


def comment(by: User, key: str, text: str) -> None:
    """Leave a comment on an item for the writer; nothing else changes."""
    it = _known(key)
    _record(by, it, "comment", comment=_comment(text))
    db.session.commit()


def _comment(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ReviewRefused("no_comment")
    if len(text) > 2000:
        raise ReviewRefused("too_long", limit=2000)
    return text


def revert(by: User, key: str, event_id: int):
    """Put back the Khmer an item had before one of its edits."""
    event = db.session.get(TranslationEvent, event_id)
    if event is None or event.item_key != key or event.before is None:
        raise ReviewRefused("unknown_item")
    return edit(by, key, event.before, action="revert")


@dataclass(frozen=True)
class Incoming:
    """One translated entry of a PO file: the item, its English and Khmer, fuzzy."""

    key: str
    en: str
    km: str
    fuzzy: bool


def import_corrections(by: User, entries: list[Incoming]) -> dict[str, int]:
    """Apply a translator's file as corrections: all of it, or nothing.

    Refuses the whole file, naming each entry, when an item is gone, its English
    changed, or its Khmer fails the checks. A changed entry becomes a correction
    ("needs change" when fuzzy, else "draft"); an unchanged one changes nothing, so
    importing the same file twice counts once.
    """
    problems: list[tuple[str, str]] = []
    changes: dict[str, tuple[Item, str, bool]] = {}
    for entry in entries:
        it = item(entry.key)
        if it is None:
            problems.append((entry.key, "gone"))
            continue
        if entry.en.strip() != it.en:
            problems.append((entry.key, "english_changed"))
            continue
        if not entry.km.strip():
            continue
        try:
            text = check_text(it, entry.km)
        except ReviewRefused as error:
            problems.append((entry.key, error.code))
            continue
        if text != _current(entry.key) or (
            entry.fuzzy and _row_state(it) != "needs_change"
        ):
            changes[entry.key] = (it, text, entry.fuzzy)
    if problems:
        raise ReviewRefused("po_mismatch", entries=problems)
    if not changes:
        return {"changed": 0, "needs_change": 0}
    merged = corrections() | {key: text for key, (_it, text, _f) in changes.items()}
    _check_whole({k: v for k, v in merged.items() if k in _items().by_key})
    counts = {"changed": 0, "needs_change": 0}
    for it, text, fuzzy in changes.values():
        row = _row(it)
        before = row.km_text if row.km_text is not None else it.km
        if text != before:
            row.km_text = None if text == it.km else text
            _record(by, it, "import", before=before, after=text)
            counts["changed"] += 1
        row.state = "needs_change" if fuzzy else "draft"
        counts["needs_change"] += int(fuzzy)
        row.en_hash = it.en_hash
        row.updated_by_id = by.id
        row.updated_at = utcnow()
    _bump()
    _commit()
    return counts


def _row_state(it: Item) -> str:
    row = db.session.scalar(
        select(TranslationReview).where(TranslationReview.item_key == it.key)
    )
    return _state(it, row)


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


def _is_ui(key: str) -> bool:
    found = item(key)
    return found is not None and found.group == UI_GROUP


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


# -- back into the files --------------------------------------------------------------
def export_files(reviewer_names: bool = True) -> dict[Path, str]:
    """Return the new text of every file that approved corrections change.

    A file whose items are all approved is marked reviewed, by the reviewers' names,
    and stamped with the hash of its English.
    """
    root, _modules, _quizzes = _paths()
    rows = _rows()
    clashing = {it.key for it in conflicts()}
    approved = {
        key: row.km_text
        for key, row in rows.items()
        if row.km_text is not None
        and item(key) is not None
        and key not in clashing
        and _state(item(key), row) == "approved"
    }
    texts = content_items.overrides(root, approved)
    by_path: dict[str, list[Item]] = {}
    for it in all_items():
        by_path.setdefault(it.path, []).append(it)
    for rel_path, file_items in by_path.items():
        file_rows = [rows.get(it.key) for it in file_items]
        if not all(
            r is not None and _state(i, r) == "approved"
            for i, r in zip(file_items, file_rows, strict=True)
        ):
            continue
        path = root / rel_path
        if path.suffix == ".po":
            continue  # the interface's catalogue has no review mark
        text = texts.get(path, path.read_text(encoding="utf-8"))
        names = sorted({r.updated_by.display_name for r in file_rows if r.updated_by})
        marked = content_items.set_review(path, text, ", ".join(names) or "reviewer")
        texts[path] = stamp_text(path, marked)
    return {p: t for p, t in texts.items() if p.read_text(encoding="utf-8") != t}
