"""Translatable items: every piece of Khmer in the content files, beside its English.

An item is one lesson title or block (a paragraph, a heading, a list), or one `km` value
of a TOML file (a question, a choice, an explanation, a glossary term, a survey item, a
vetting criterion, a track or module title). Its key names the file and the place in it
and stays the same while the file keeps its shape:

    modules/01-gender-norms/01-learning-gender.km.md#title
    modules/01-gender-norms/01-learning-gender.km.md#s2.b1     (section 2, block 1)
    quizzes/gender-norms.toml#questions[q01].choices[a].explanation

`read_items` lists them from the files; `apply` writes corrected Khmer into a file's
text (the loader reads the result in place of the file, `flask content export` writes
it back), so the app and the files are corrected by one function and cannot diverge.
"""

import hashlib
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from curriculum.content.parsing import split_front_matter

BLANK_RE = re.compile(r"(\n[ \t]*\n+)")
HEADING_RE = re.compile(r"^#{1,6} ")
SELECTOR_RE = re.compile(r"([^.\[\]]+)(?:\[([^\]]+)\])?")


class ItemMismatch(ValueError):
    """A correction no longer fits the file: its item has gone or changed shape."""

    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """One translatable piece of content."""

    key: str
    group: str  # a module key, or "glossary", "attitude", "knowledge", "vetting", ...
    part: str  # the lesson key, "quiz", "module" or the file's stem: a page of review
    en: str
    km: str
    kind: str  # title | heading | paragraph | list | text | ...

    @property
    def path(self) -> str:
        """Return the file the item lies in, relative to the project root."""
        return self.key.split("#", 1)[0]

    @property
    def place(self) -> str:
        """Return where in its file the item lies."""
        return self.key.split("#", 1)[1]

    @property
    def en_hash(self) -> str:
        """Return the hash of the English: a change after approval makes it stale."""
        return text_hash(self.en)


def text_hash(text: str) -> str:
    """Return a short hash of a text, as the review records keep it."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:16]


# -- lessons --------------------------------------------------------------------------
def _pieces(body: str) -> list[str]:
    """Split a Markdown body into blocks and the blank runs between them, alternately."""
    return BLANK_RE.split(body)


def _sections(blocks: list[str]) -> list[list[int]]:
    """Group block indexes into sections: a heading opens a new one."""
    sections: list[list[int]] = [[]]
    for i, block in enumerate(blocks):
        if HEADING_RE.match(block) and (sections[-1] or len(sections) > 1):
            sections.append([])
        sections[-1].append(i)
    return sections


def _block_kind(block: str) -> str:
    if HEADING_RE.match(block):
        return "heading"
    if re.match(r"^\s*([-*+]|\d+\.)\s", block):
        return "list"
    return "paragraph"


def _lesson_places(en_body: str, km_body: str) -> Iterator[tuple[str, str, str, str]]:
    """Yield (place, kind, English, Khmer) for each aligned block of a lesson body.

    Blocks pair up by position within each section; a section whose two languages have
    a different number of blocks is one item, so that nothing is ever paired wrongly.
    """
    en_blocks = [b for b in _pieces(en_body)[::2]]
    km_blocks = [b for b in _pieces(km_body)[::2]]
    en_sections, km_sections = _sections(en_blocks), _sections(km_blocks)
    if len(en_sections) != len(km_sections):
        yield (
            "body",
            "text",
            en_body.strip(),
            km_body.strip(),
        )
        return
    for number, (en_ids, km_ids) in enumerate(
        zip(en_sections, km_sections, strict=True)
    ):
        if len(en_ids) == len(km_ids):
            for n, (i, j) in enumerate(zip(en_ids, km_ids, strict=True)):
                en, km = en_blocks[i].strip(), km_blocks[j].strip()
                if en or km:
                    yield f"s{number}.b{n}", _block_kind(km_blocks[j]), en, km
        else:
            en = "\n\n".join(en_blocks[i].strip() for i in en_ids)
            km = "\n\n".join(km_blocks[j].strip() for j in km_ids)
            yield f"s{number}", "text", en, km


def lesson_items(rel_km: str, en_text: str, km_text: str, group: str, part: str):
    """Return the items of one lesson: its title, then its blocks in order."""
    en_front, en_body, _ = split_front_matter(en_text)
    km_front, km_body, _ = split_front_matter(km_text)
    en_meta, km_meta = tomllib.loads(en_front), tomllib.loads(km_front)
    items = [
        Item(
            f"{rel_km}#title",
            group,
            part,
            str(en_meta.get("title", "")),
            str(km_meta.get("title", "")),
            "title",
        )
    ]
    for place, kind, en, km in _lesson_places(en_body, km_body):
        items.append(Item(f"{rel_km}#{place}", group, part, en, km, kind))
    return items


def _apply_lesson(text: str, changes: Mapping[str, str], en_text: str) -> str:
    front, body, _ = split_front_matter(text)
    _en_front, en_body, _ = split_front_matter(en_text)
    places = {place for place, *_ in _lesson_places(en_body, body)}
    if "title" in changes:
        meta = tomlkit.parse(front)
        meta["title"] = changes["title"]
        front = tomlkit.dumps(meta).rstrip("\n")
    pieces = _pieces(body)
    blocks = pieces[::2]
    sections = _sections(blocks)
    for place, value in changes.items():
        if place == "title":
            continue
        if place not in places:
            raise ItemMismatch(place, "this part of the lesson is no longer there")
        if place == "body":
            pieces = _pieces(_keep_edges(body, value))
            blocks = pieces[::2]
            continue
        section, _, block = place.partition(".")
        ids = sections[int(section[1:])]
        if block:
            index = ids[int(block[1:])]
            if BLANK_RE.search(value.strip()):
                raise ItemMismatch(place, "a block cannot contain an empty line")
            pieces[2 * index] = _keep_edges(pieces[2 * index], value)
        else:
            first, last = 2 * ids[0], 2 * ids[-1]
            replaced = _keep_edges(pieces[first] + "\n\n" + pieces[last], value)
            pieces[first : last + 1] = [replaced]
            pieces = _pieces("".join(pieces))
            blocks = pieces[::2]
            sections = _sections(blocks)
    return "+++\n" + front + "\n+++\n" + "".join(pieces)


def _keep_edges(old: str, new: str) -> str:
    """Return new with the whitespace old had before and after it."""
    lead = old[: len(old) - len(old.lstrip())]
    trail = old[len(old.rstrip()) :]
    return lead + new.strip() + trail


# -- TOML files -----------------------------------------------------------------------
def _toml_places(node, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """Yield (place, English, Khmer) for every {en, km} pair in a parsed TOML file."""
    if isinstance(node, dict):
        if isinstance(node.get("km"), str) and isinstance(node.get("en"), str):
            yield prefix, node["en"], node["km"]
            return
        for name, value in node.items():
            if name == "translation":
                continue
            yield from _toml_places(value, f"{prefix}.{name}" if prefix else name)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("key", i) if isinstance(value, dict) else i
            yield from _toml_places(value, f"{prefix}[{label}]")


def toml_items(rel: str, text: str, group: str, part: str) -> list[Item]:
    """Return the items of a TOML file, in the order of the file."""
    return [
        Item(
            f"{rel}#{place}",
            group,
            part,
            en.strip(),
            km.strip(),
            place.rsplit(".", 1)[-1],
        )
        for place, en, km in _toml_places(tomllib.loads(text))
    ]


def _find(doc, place: str):
    node = doc
    for name, label in SELECTOR_RE.findall(place):
        node = node[name]
        if label:
            matches = [
                value
                for i, value in enumerate(node)
                if str(value.get("key", i) if hasattr(value, "get") else i) == label
            ]
            if len(matches) != 1:
                raise KeyError(label)
            node = matches[0]
    return node


def _apply_toml(text: str, changes: Mapping[str, str]) -> str:
    doc = tomlkit.parse(text)
    for place, value in changes.items():
        try:
            node = _find(doc, place)
        except (KeyError, IndexError, TypeError):
            raise ItemMismatch(place, "this item is no longer in the file") from None
        if "km" not in node or "en" not in node:
            raise ItemMismatch(place, "this item is no longer in the file")
        node["km"] = value.strip()
    return tomlkit.dumps(doc)


# -- the interface's catalogue (gettext PO) -----------------------------------------
UI_GROUP = "ui"
UI_PAGE = 40
PLACEHOLDER_RE = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def placeholders(text: str) -> list[str]:
    """Return the placeholders of a UI sentence (%(name)s, {n}), sorted."""
    return sorted(PLACEHOLDER_RE.findall(text))


def _po_place(msgid: str) -> str:
    return text_hash(msgid)


def ui_items(rel: str, text: str) -> list[Item]:
    """Return the sentences of the interface's Khmer catalogue, by the folder using them."""
    from babel.messages.pofile import read_po

    catalog = read_po(io.StringIO(text), locale="km")
    items = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.context:
            continue  # the header, plurals (none here) and contexts stay in the file
        # The catalogue is sorted and keeps no locations: pages of UI_PAGE sentences.
        part = f"{len(items) // UI_PAGE + 1:02d}"
        items.append(
            Item(
                f"{rel}#{_po_place(message.id)}",
                UI_GROUP,
                part,
                message.id,
                str(message.string or ""),
                "ui",
            )
        )
    return items


def _apply_po(text: str, changes: Mapping[str, str]) -> str:
    from babel.messages.pofile import read_po, write_po

    catalog = read_po(io.StringIO(text), locale="km")
    by_place = {_po_place(m.id): m for m in catalog if m.id and isinstance(m.id, str)}
    for place, value in changes.items():
        message = by_place.get(place)
        if message is None:
            raise ItemMismatch(place, "this sentence is no longer in the catalogue")
        message.string = value.strip()
    out = io.BytesIO()  # written as `flask i18n update` writes it
    write_po(
        out, catalog, omit_header=False, no_location=True, sort_output=True, width=88
    )
    return out.getvalue().decode("utf-8")


# -- files and the whole curriculum ---------------------------------------------------
def apply(path: Path, text: str, changes: Mapping[str, str]) -> str:
    """Return a Khmer file's text with the corrected items (place -> Khmer) written in."""
    if not changes:
        return text
    if path.suffix == ".po":
        return _apply_po(text, changes)
    if path.name.endswith(".km.md"):
        en_path = path.with_name(path.name[: -len(".km.md")] + ".en.md")
        return _apply_lesson(text, changes, en_path.read_text(encoding="utf-8"))
    return _apply_toml(text, changes)


def set_review(path: Path, text: str, reviewer: str) -> str:
    """Return a file's text marked as reviewed by reviewer (its [translation] table)."""
    if path.name.endswith(".km.md"):
        front, body, _ = split_front_matter(text)
        meta = tomlkit.parse(front)
        meta["review"] = "reviewed"
        meta["reviewer"] = reviewer
        return "+++\n" + tomlkit.dumps(meta).rstrip("\n") + "\n+++\n" + body
    doc = tomlkit.parse(text)
    if "translation" not in doc:
        return text  # a file without a translation state (tracks, glossary)
    doc["translation"]["review"] = "reviewed"
    doc["translation"]["reviewer"] = reviewer
    return tomlkit.dumps(doc)


def _group_of_quiz(doc: dict) -> tuple[str, str]:
    kind = doc.get("kind")
    if kind == "module":
        return str(doc.get("module", doc.get("key"))), "quiz"
    if kind == "attitude":
        return "attitude", "attitude"
    return "knowledge", str(doc.get("key"))


def read_items(root: Path, modules_dir: Path, quizzes_dir: Path) -> list[Item]:
    """List every translatable item of the curriculum, module by module."""

    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    items: list[Item] = []
    for folder in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
        module_toml = folder / "module.toml"
        if not module_toml.is_file():
            continue
        text = module_toml.read_text(encoding="utf-8")
        key = str(tomllib.loads(text).get("key", folder.name))
        items += toml_items(rel(module_toml), text, key, "module")
        for km_path in sorted(folder.glob("*.km.md")):
            en_path = km_path.with_name(km_path.name[: -len(".km.md")] + ".en.md")
            if not en_path.is_file():
                continue
            lesson_key = km_path.name[: -len(".km.md")].split("-", 1)[-1]
            items += lesson_items(
                rel(km_path),
                en_path.read_text(encoding="utf-8"),
                km_path.read_text(encoding="utf-8"),
                key,
                lesson_key,
            )
    for path in sorted(quizzes_dir.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        group, part = _group_of_quiz(tomllib.loads(text))
        items += toml_items(rel(path), text, group, part)
    for name in ("glossary", "vetting", "tracks"):
        path = modules_dir / f"{name}.toml"
        if path.is_file():
            items += toml_items(rel(path), path.read_text(encoding="utf-8"), name, name)
    return items


def overrides(
    root: Path, corrections: Mapping[str, str], known: Mapping[str, Item] | None = None
) -> dict[Path, str]:
    """Return the corrected text of every file that has corrections (key -> Khmer).

    Raises ItemMismatch, naming the item, when a correction no longer fits its file.
    """
    by_file: dict[str, dict[str, str]] = {}
    for key, value in corrections.items():
        if known is not None and key not in known:
            raise ItemMismatch(key, "this item is no longer in the content files")
        path, _, place = key.partition("#")
        by_file.setdefault(path, {})[place] = value
    result = {}
    for rel_path, changes in by_file.items():
        path = root / rel_path
        text = path.read_text(encoding="utf-8")
        try:
            result[path] = apply(path, text, changes)
        except ItemMismatch as exc:
            raise ItemMismatch(f"{rel_path}#{exc.key}", exc.reason) from None
    return result
