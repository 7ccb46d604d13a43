"""Loading a module folder: module.toml and its pairs of lesson files."""

import re
from pathlib import Path

from curriculum.content.model import LOCALES, Lesson, Module, Text
from curriculum.content.parsing import LessonFile, Reader, line_of
from curriculum.content.parts import lesson_parts, split_html
from curriculum.content.rendering import render_lesson
from curriculum.content.sections import split_notes, trainee_text
from curriculum.content.stamping import english_hash, short_hash
from curriculum.content.validation import (
    KEY_RE,
    RESERVED_MODULE_KEYS,
    check_body,
    check_translation,
)

LESSON_FILE_RE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.(km|en)\.md$")
MODULE_DIR_RE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)$")


def _lesson_pairs(r: Reader, folder: Path) -> dict[tuple[int, str], dict[str, Path]]:
    pairs: dict[tuple[int, str], dict[str, Path]] = {}
    for path in sorted(folder.glob("*.md")):
        match = LESSON_FILE_RE.match(path.name)
        if not match:
            r.error(path, 1, "lesson files are named NN-key.km.md / NN-key.en.md")
            continue
        pairs.setdefault((int(match.group(1)), match.group(2)), {})[match.group(3)] = (
            path
        )
    return pairs


def _titles(r: Reader, files: dict[str, Path], read: dict[str, LessonFile]) -> Text:
    titles = {}
    for loc in ("en", "km"):
        title = read[loc].meta.get("title")
        if not isinstance(title, str) or not title.strip():
            r.error(files[loc], 2, "the front matter needs a title")
            title = ""
        titles[loc] = title.strip()
    return Text(km=titles["km"], en=titles["en"])


def _lesson(
    r: Reader, key: str, number: int, module_key: str, files, terms: set[str]
) -> Lesson | None:
    en = r.read_lesson(files["en"])
    km = r.read_lesson(files["km"])
    if en is None or km is None:
        return None
    read = {"en": en, "km": km}
    version = short_hash(en.raw)
    for loc in ("en", "km"):
        check_body(r, files[loc], read[loc].text, read[loc].body, loc)
    title = _titles(r, files, read)
    html, notes, bodies = {}, {}, {}
    linked: dict[str, None] = {}
    for loc in ("en", "km"):
        trainee_body, notes_body = split_notes(read[loc].body, loc)
        bodies[loc] = trainee_body
        rendered, found = render_lesson(trainee_body, r.term_url)
        notes[loc], in_notes = render_lesson(notes_body, r.term_url)
        html[loc] = rendered
        linked.update(dict.fromkeys(t for t in found if t in terms))
        for term in found + in_notes:
            if term not in terms:
                r.error(
                    files[loc],
                    line_of(read[loc].text, f"glossary:{term}"),
                    f"unknown glossary term {term!r}",
                )
    for name, parts in (("facilitator notes", notes), ("model answers", html)):
        _check_mirrored(r, files, read, name, parts)
    r.remember(files["km"], km.text)
    translation = check_translation(r, files["km"], km.meta, version)
    minutes = en.meta.get("minutes", 10)
    return Lesson(
        key=key,
        module_key=module_key,
        number=number,
        title=title,
        html=Text(km=html["km"], en=html["en"]),
        minutes=int(minutes) if isinstance(minutes, int) else 10,
        en_words=len(trainee_text(en.body, "en").split()),
        km_chars=len("".join(trainee_text(km.body, "km").split())),
        version=version,
        translation=translation,
        path_en=r.rel(files["en"]),
        path_km=r.rel(files["km"]),
        terms=tuple(linked),
        notes=Text(km=notes["km"], en=notes["en"]),
        parts=_parts(bodies, html),
    )


def _parts(bodies: dict[str, str], html: dict[str, str]) -> tuple:
    """Return the narratable parts, if the HTML splits at the same headings."""
    parts = lesson_parts(bodies)
    chunks = len(re.findall(r"^## ", bodies["en"], re.MULTILINE)) + 1
    if any(len(split_html(html[loc])) != chunks for loc in LOCALES):
        return ()
    return parts


def _check_mirrored(r: Reader, files, read, name: str, parts: dict[str, str]) -> None:
    """Record an error when one language has a section the other lacks."""
    if name == "facilitator notes":
        has = {loc: bool(parts[loc].strip()) for loc in LOCALES}
    else:
        has = {loc: 'class="model-answers"' in parts[loc] for loc in LOCALES}
    if has["en"] != has["km"]:
        missing = "km" if has["en"] else "en"
        r.error(
            files[missing],
            1,
            f"the {'Khmer' if missing == 'km' else 'English'} lesson has no {name}; "
            f"the {'English' if missing == 'km' else 'Khmer'} one has",
        )


def load_lessons(
    r: Reader, folder: Path, module_key: str, terms: set[str]
) -> tuple[Lesson, ...]:
    """Return the lessons of a module folder, in file-name order."""
    lessons = []
    seen_keys = set()
    for (number, key), files in sorted(_lesson_pairs(r, folder).items()):
        if key in seen_keys:
            r.error(next(iter(files.values())), 1, f"duplicate lesson key {key!r}")
        seen_keys.add(key)
        missing = [loc for loc in LOCALES if loc not in files]
        for loc in missing:
            other = next(iter(files.values()))
            r.error(other, 1, f"lesson {key!r} has no {loc} version")
        if missing:
            continue
        lesson = _lesson(r, key, number, module_key, files, terms)
        if lesson is not None:
            lessons.append(lesson)
    return tuple(lessons)


def load_module(r: Reader, folder: Path, terms: set[str]) -> Module | None:
    """Return the module of a folder (module.toml and lessons), or None."""
    path = folder / "module.toml"
    if not path.exists():
        r.error(folder, 1, "the module folder has no module.toml")
        return None
    doc = r.read_toml(path)
    if doc is None:
        return None
    key = str(doc.get("key", ""))
    dir_match = MODULE_DIR_RE.match(folder.name)
    if not KEY_RE.match(key) or key in RESERVED_MODULE_KEYS:
        r.error(path, r.where(path, "key"), f"bad module key {key!r}")
    elif not dir_match or dir_match.group(2) != key:
        r.error(path, r.where(path, "key"), "the folder must be NN-<key>")
    order = doc.get("order")
    if not isinstance(order, int):
        r.error(path, r.where(path, "order"), "order must be a whole number")
        order = 0
    prereqs = doc.get("prerequisites", [])
    if not isinstance(prereqs, list):
        r.error(path, r.where(path, "prerequisites"), "must be a list of keys")
        prereqs = []
    quiz = doc.get("quiz")
    if not isinstance(quiz, str) or not quiz:
        r.error(path, r.where(path, "quiz"), "the module needs a quiz key")
        quiz = ""
    lessons = load_lessons(r, folder, key, terms)
    if not lessons:
        r.error(path, 1, "the module has no lessons")
    minutes = doc.get("minutes")
    return Module(
        key=key,
        order=order,
        title=r.text(path, doc, "title", "[title]"),
        summary=r.text(path, doc, "summary", "[summary]"),
        minutes=minutes
        if isinstance(minutes, int)
        else sum(lesson.minutes for lesson in lessons),
        prerequisites=tuple(str(p) for p in prereqs),
        lessons=lessons,
        quiz_key=quiz,
        translation=check_translation(
            r, path, doc.get("translation"), english_hash(doc)
        ),
        path=r.rel(path),
    )
