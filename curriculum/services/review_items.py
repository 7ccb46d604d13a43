"""Translation review, the items and their states (read only; see services/review.py).

Every Khmer item of the content files and of the UI catalogue, read once per process,
with what reviewers did to it: its state, the Khmer trainees see, the history.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from curriculum.content import items as content_items
from curriculum.content.items import UI_GROUP, Item
from curriculum.extensions import db
from curriculum.models import (
    TranslationEvent,
    TranslationReview,
)

MAX_LENGTH = 6000  # characters of one item's Khmer
UI_CATALOGUE = Path("km/LC_MESSAGES/messages.po")


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
    # The reviewer's name is shown beside each item: loaded with the rows, not per row.
    query = select(TranslationReview).options(
        selectinload(TranslationReview.updated_by)
    )
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
    return histories([key]).get(key, [])


def histories(keys) -> dict[str, list[TranslationEvent]]:
    """Return what was done to each of these items, newest first (one query)."""
    found: dict[str, list[TranslationEvent]] = {}
    for event in db.session.scalars(
        select(TranslationEvent)
        .options(selectinload(TranslationEvent.by))
        .where(TranslationEvent.item_key.in_(list(keys)))
        .order_by(TranslationEvent.id.desc())
    ):
        found.setdefault(event.item_key, []).append(event)
    return found


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


def _is_ui(key: str) -> bool:
    found = item(key)
    return found is not None and found.group == UI_GROUP
