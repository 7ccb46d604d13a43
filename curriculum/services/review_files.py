"""Translation review back into the files: `flask content export` (see review_cli.py)."""

from pathlib import Path

from curriculum.content import items as content_items
from curriculum.content.items import Item
from curriculum.content.stamping import stamp_text
from curriculum.services.review_items import (
    _paths,
    _rows,
    _state,
    all_items,
    conflicts,
    item,
)


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
