"""gettext catalogues: extract, update, compile and check, through Babel's library."""

import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog as POCatalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "_l": None,
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_ngettext": (1, 2),
}
METHOD_MAP = [("curriculum/**.py", "python"), ("templates/**.html", "jinja2")]
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sdfr]|%[sdfr]|\{(\w*)\}")
LOCALES = ("km",)


@dataclass(frozen=True)
class Paths:
    """Where the catalogues live."""

    root: Path
    translations: Path

    @property
    def pot(self) -> Path:
        return self.translations / "messages.pot"

    def po(self, locale: str) -> Path:
        return self.translations / locale / "LC_MESSAGES" / "messages.po"

    def mo(self, locale: str) -> Path:
        return self.translations / locale / "LC_MESSAGES" / "messages.mo"


def _searched(dirname: str) -> bool:
    """Return True for a folder to extract from: not hidden, not a virtualenv or cache."""
    name = Path(dirname).name
    return not name.startswith(".") and name not in ("__pycache__", "node_modules")


def extract(root: Path) -> POCatalog:
    """Return a catalogue of every translatable string in code and templates."""
    catalog = POCatalog(project="curriculum", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        METHOD_MAP,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
        # Babel skips folders named "_..." by default: templates/_macros has strings.
        directory_filter=_searched,
    ):
        catalog.add(
            message, None, [(filename, lineno)], auto_comments=comments, context=context
        )
    return catalog


def _write(catalog: POCatalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(
        buf, catalog, omit_header=False, no_location=True, sort_output=True, width=88
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def _read(path: Path, locale: str | None = None) -> POCatalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def write_pot(paths: Paths) -> int:
    """Extract messages into messages.pot; return the number of messages."""
    catalog = extract(paths.root)
    _write(catalog, paths.pot)
    return len(catalog)


def update(paths: Paths) -> None:
    """Merge messages.pot into each locale's .po file, keeping translations."""
    template = _read(paths.pot)
    for locale in LOCALES:
        po_path = paths.po(locale)
        catalog = (
            _read(po_path, locale) if po_path.exists() else POCatalog(locale=locale)
        )
        catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, po_path)


def compile_all(paths: Paths) -> None:
    """Build the .mo files (never committed) from the .po files."""
    for locale in LOCALES:
        catalog = _read(paths.po(locale), locale)
        with paths.mo(locale).open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def _key(message) -> tuple:
    ident = message.id if isinstance(message.id, str) else tuple(message.id)
    return (ident, message.context)


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER_RE.finditer(text)}


def check(paths: Paths) -> list[str]:
    """Return every problem: stale .pot, missing Khmer, broken placeholders."""
    problems = []
    fresh = {_key(m) for m in extract(paths.root) if m.id}
    committed = (
        {_key(m) for m in _read(paths.pot) if m.id} if paths.pot.exists() else set()
    )
    if fresh != committed:
        added = len(fresh - committed)
        removed = len(committed - fresh)
        problems.append(
            f"messages.pot is stale ({added} new, {removed} gone): run 'flask i18n "
            "extract' and 'flask i18n update'"
        )
    for locale in LOCALES:
        po_path = paths.po(locale)
        if not po_path.exists():
            problems.append(f"{po_path}: missing")
            continue
        catalog = _read(po_path, locale)
        by_key = {_key(m): m for m in catalog if m.id}
        for key in sorted(fresh, key=str):
            message = by_key.get(key)
            label = str(key[0] if isinstance(key[0], str) else key[0][0])[:60]
            strs = []
            if message is not None:
                strs = (
                    [message.string]
                    if isinstance(message.string, str)
                    else list(message.string or ())
                )
            if message is None or message.fuzzy or not strs or not all(strs):
                problems.append(f"{locale}: no translation for {label!r}")
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            wanted = set().union(*(_placeholders(i) for i in ids))
            for text in strs:
                if _placeholders(text) - wanted or (
                    len(ids) == 1 and _placeholders(text) != wanted
                ):
                    problems.append(f"{locale}: placeholders differ in {label!r}")
    return sorted(set(problems))
