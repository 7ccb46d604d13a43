"""Translation review: native speakers correct and approve the Khmer, item by item.

The items come from the content files (content/items.py). A reviewer's correction is
kept in the database with its history, checked like the files are (Khmer spelling and
order, then the whole curriculum loaded with it), and reaches trainees on every worker:
each correction raises the content revision, and `sync_catalog` (run before each
request, at most every CONTENT_CHECK_SECONDS) rebuilds the catalogue when it changed.
The catalogue a request started with stays the same until its end.

`flask content export` writes approved corrections into the files (`export_files`).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from curriculum.content import ContentInvalid, load_catalog, term_anchor
from curriculum.content import items as content_items
from curriculum.content.items import Item, ItemMismatch, placeholders
from curriculum.content.spelling import Problem, text_problems
from curriculum.extensions import db
from curriculum.models import (
    ContentRevision,
    TranslationEvent,
    TranslationReview,
    User,
)
from curriculum.models.base import utcnow
from curriculum.services import audit
from curriculum.services.review_files import export_files
from curriculum.services.review_items import (
    MAX_LENGTH,
    UI_CATALOGUE,
    ItemState,
    Progress,
    _is_ui,
    _items,
    _paths,
    _state,
    all_items,
    conflicts,
    corrections,
    forget_items,
    groups,
    histories,
    history,
    item,
    lesson_progress,
    parts,
    progress_by,
    progress_of,
    states,
    ui_corrections,
)
from curriculum.services.review_sync import build_catalog, revision, sync_catalog

__all__ = [
    "MAX_LENGTH",
    "UI_CATALOGUE",
    "Incoming",
    "ItemState",
    "Progress",
    "ReviewRefused",
    "all_items",
    "approve",
    "build_catalog",
    "check_text",
    "comment",
    "conflicts",
    "corrections",
    "edit",
    "export_files",
    "forget_items",
    "groups",
    "histories",
    "history",
    "import_corrections",
    "item",
    "lesson_progress",
    "needs_change",
    "parts",
    "progress_by",
    "progress_of",
    "revert",
    "revision",
    "states",
    "sync_catalog",
    "ui_corrections",
]


class ReviewRefused(ValueError):
    """A reviewer's action was refused; the code says why (views say it in words)."""

    def __init__(self, code: str, problems: list[Problem] | None = None, **params):
        super().__init__(code)
        self.code = code
        self.problems = problems or []
        self.params = params


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
