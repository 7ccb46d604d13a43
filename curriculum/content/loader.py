"""Read modules/ and quizzes/ into a Catalog, collecting every error with file and line."""

import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from curriculum.content.model import (
    LOCALES,
    AttitudeItem,
    AttitudeSurvey,
    Catalog,
    Choice,
    Criterion,
    Lesson,
    Module,
    Question,
    Quiz,
    Term,
    Text,
    Track,
    Translation,
    VettingCriteria,
)
from curriculum.content.rendering import render_lesson

QUESTION_TYPES = ("single", "multiple", "truefalse", "scenario")
QUIZ_KINDS = ("module", "knowledge", "attitude")
CRITERION_KINDS = ("training", "attendance", "manual")
MC_RULES = ("partial", "all-or-nothing")
REVIEW_STATES = ("draft", "reviewed")
SECTIONS = {
    "en": ("## Key messages", "## Sources"),
    "km": ("## សារសំខាន់ៗ", "## ប្រភព"),
}
MIN_EN_WORDS, MAX_EN_WORDS = 300, 900
MIN_KM_CHARS = 900
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_MODULE_KEYS = ("modules", "glossary")  # taken by pages under /learn/
LESSON_FILE_RE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.(km|en)\.md$")
MODULE_DIR_RE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)$")
RAW_HTML_RE = re.compile(r"<\s*[a-zA-Z!/]")
TOML_LINE_RE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class ContentError:
    """One problem in a content file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentInvalid(Exception):  # noqa: N818 - reads better at the call site
    """Raised when content files have errors; carries all of them."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def short_hash(data: bytes) -> str:
    """Return the first 16 hex digits of the SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()[:16]


def english_strings(node) -> list[str]:
    """Return every English string of a parsed TOML document, in file order."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "en" and isinstance(value, str):
                out.append(value)
            else:
                out.extend(english_strings(value))
    elif isinstance(node, list):
        for item in node:
            out.extend(english_strings(item))
    return out


def english_hash(doc: dict) -> str:
    """Return the hash of a TOML document's English text."""
    return short_hash("\x1f".join(english_strings(doc)).encode())


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "+++":
        raise ValueError("a lesson must start with a '+++' line and TOML front matter")
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "+++":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise ValueError("the front matter has no closing '+++' line")


def line_of(text: str, needle: str, start: int = 0) -> int:
    """Return the 1-based line where needle first appears after offset start."""
    pos = text.find(needle, start)
    if pos < 0:
        return 1
    return text.count("\n", 0, pos) + 1


def body_without_sources(body: str, sources_heading: str) -> str:
    """Return a lesson body up to its Sources section."""
    pos = body.find(sources_heading)
    return body if pos < 0 else body[:pos]


class _Loader:
    def __init__(self, root: Path, term_url: Callable[[str], str]):
        self.root = root
        self.term_url = term_url
        self.errors: list[ContentError] = []
        self._texts: dict[Path, str] = {}

    # -- helpers -------------------------------------------------------------
    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def error(self, path: Path, line: int, message: str) -> None:
        self.errors.append(ContentError(self.rel(path), line, message))

    def read_toml(self, path: Path) -> dict | None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.error(path, 1, f"cannot read the file: {exc}")
            return None
        self._texts[path] = text
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = TOML_LINE_RE.search(str(exc))
            self.error(
                path, int(match.group(1)) if match else 1, f"invalid TOML: {exc}"
            )
            return None

    def where(self, path: Path, needle: str) -> int:
        return line_of(self._texts.get(path, ""), needle)

    def text(self, path: Path, node, field: str, anchor: str) -> Text:
        value = node.get(field) if isinstance(node, dict) else None
        if not isinstance(value, dict):
            self.error(
                path, self.where(path, anchor), f"'{field}' needs km and en text"
            )
            return Text("", "")
        parts = {}
        for locale in LOCALES:
            item = value.get(locale)
            if not isinstance(item, str) or not item.strip():
                self.error(
                    path,
                    self.where(path, anchor),
                    f"'{field}.{locale}' is missing or empty",
                )
                item = ""
            parts[locale] = item.strip()
        return Text(**parts)

    def translation(self, path: Path, table, current: str) -> Translation:
        if not isinstance(table, dict):
            self.error(path, 1, "missing [translation] table (source_sha256, review)")
            table = {}
        source = str(table.get("source_sha256", ""))
        review = str(table.get("review", ""))
        reviewer = str(table.get("reviewer", ""))
        anchor = "source_sha256"
        if source == "pending" or not source:
            self.error(
                path,
                self.where(path, anchor),
                "source_sha256 is not stamped: run 'flask content stamp'",
            )
        if review not in REVIEW_STATES:
            self.error(
                path, self.where(path, "review"), "review must be 'draft' or 'reviewed'"
            )
        if review == "reviewed" and not reviewer.strip():
            self.error(
                path, self.where(path, "reviewer"), "a reviewed file names its reviewer"
            )
        return Translation(source, current, review, reviewer)

    # -- glossary and tracks -------------------------------------------------
    def load_glossary(self, path: Path) -> tuple[Term, ...]:
        doc = self.read_toml(path) if path.exists() else None
        if path.exists() is False:
            self.error(path, 1, "glossary.toml is missing")
        if not doc:
            return ()
        terms = []
        seen = set()
        for item in doc.get("terms", []):
            key = str(item.get("key", ""))
            anchor = f'"{key}"'
            if not KEY_RE.match(key):
                self.error(path, self.where(path, anchor), f"bad term key {key!r}")
                continue
            if key in seen:
                self.error(path, self.where(path, anchor), f"duplicate term {key!r}")
            seen.add(key)
            terms.append(
                Term(
                    key,
                    self.text(path, item, "term", anchor),
                    self.text(path, item, "definition", anchor),
                )
            )
        return tuple(sorted(terms, key=lambda t: t.term.en.lower()))

    def load_tracks(self, path: Path) -> tuple[Track, ...]:
        if not path.exists():
            self.error(path, 1, "tracks.toml is missing")
            return ()
        doc = self.read_toml(path)
        if not doc:
            return ()
        tracks = []
        for item in doc.get("tracks", []):
            key = str(item.get("key", ""))
            anchor = f'"{key}"'
            required = item.get("required", [])
            optional = item.get("optional", [])
            if not isinstance(required, list) or not required:
                self.error(
                    path, self.where(path, anchor), "a track needs required modules"
                )
                required = []
            if not isinstance(optional, list):
                self.error(path, self.where(path, anchor), "optional must be a list")
                optional = []
            tracks.append(
                Track(
                    key=key,
                    title=self.text(path, item, "title", anchor),
                    required=tuple(str(k) for k in required),
                    optional=tuple(str(k) for k in optional),
                    knowledge_test=item.get("knowledge_test"),
                )
            )
        return tuple(tracks)

    # -- modules and lessons -------------------------------------------------
    def load_lesson_file(self, path: Path):
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.error(path, 1, f"cannot read the lesson: {exc}")
            return None
        try:
            front, body, body_line = split_front_matter(text)
            meta = tomllib.loads(front)
        except ValueError as exc:  # TOMLDecodeError is a ValueError
            match = TOML_LINE_RE.search(str(exc))
            self.error(path, int(match.group(1)) + 1 if match else 1, str(exc))
            return None
        return raw, text, meta, body, body_line

    def check_body(self, path: Path, text: str, body: str, locale: str) -> None:
        match = RAW_HTML_RE.search(body)
        if match:
            self.error(
                path,
                line_of(text, body[match.start() : match.start() + 20]),
                "raw HTML is not allowed in lessons",
            )
        if "![" in body:
            self.error(path, line_of(text, "!["), "images are not allowed in lessons")
        key_heading, sources_heading = SECTIONS[locale]
        headings = [ln.strip() for ln in body.split("\n") if ln.startswith("## ")]
        for needed in (key_heading, sources_heading):
            if needed not in headings:
                self.error(path, 1, f"the lesson needs a '{needed}' section")
        if headings and sources_heading in headings and headings[-1] != sources_heading:
            self.error(
                path, line_of(text, sources_heading), "Sources must be the last section"
            )
        teaching = body_without_sources(body, sources_heading)
        if locale == "en":
            words = len(teaching.split())
            if words < MIN_EN_WORDS:
                self.error(
                    path, 1, f"too short: {words} words (at least {MIN_EN_WORDS})"
                )
            elif words > MAX_EN_WORDS:
                self.error(path, 1, f"too long: {words} words (at most {MAX_EN_WORDS})")
        else:
            chars = len("".join(teaching.split()))
            if chars < MIN_KM_CHARS:
                self.error(
                    path, 1, f"too short: {chars} characters (at least {MIN_KM_CHARS})"
                )

    def load_lessons(self, folder: Path, module_key: str, terms: set[str]):
        pairs: dict[tuple[int, str], dict[str, Path]] = {}
        for path in sorted(folder.glob("*.md")):
            match = LESSON_FILE_RE.match(path.name)
            if not match:
                self.error(
                    path, 1, "lesson files are named NN-key.km.md / NN-key.en.md"
                )
                continue
            pairs.setdefault((int(match.group(1)), match.group(2)), {})[
                match.group(3)
            ] = path
        lessons = []
        seen_keys = set()
        for (number, key), files in sorted(pairs.items()):
            if key in seen_keys:
                self.error(
                    next(iter(files.values())), 1, f"duplicate lesson key {key!r}"
                )
            seen_keys.add(key)
            missing = [loc for loc in LOCALES if loc not in files]
            for loc in missing:
                other = next(iter(files.values()))
                self.error(other, 1, f"lesson {key!r} has no {loc} version")
            if missing:
                continue
            en = self.load_lesson_file(files["en"])
            km = self.load_lesson_file(files["km"])
            if en is None or km is None:
                continue
            en_raw, en_text, en_meta, en_body, _ = en
            _, km_text, km_meta, km_body, _ = km
            version = short_hash(en_raw)
            self.check_body(files["en"], en_text, en_body, "en")
            self.check_body(files["km"], km_text, km_body, "km")
            titles = {}
            for loc, meta, path in (
                ("en", en_meta, files["en"]),
                ("km", km_meta, files["km"]),
            ):
                title = meta.get("title")
                if not isinstance(title, str) or not title.strip():
                    self.error(path, 2, "the front matter needs a title")
                    title = ""
                titles[loc] = title.strip()
            html = {}
            linked: dict[str, None] = {}
            for loc, body, path, text in (
                ("en", en_body, files["en"], en_text),
                ("km", km_body, files["km"], km_text),
            ):
                rendered, found = render_lesson(body, self.term_url)
                html[loc] = rendered
                linked.update(dict.fromkeys(t for t in found if t in terms))
                for term in found:
                    if term not in terms:
                        self.error(
                            path,
                            line_of(text, f"glossary:{term}"),
                            f"unknown glossary term {term!r}",
                        )
            self._texts[files["km"]] = km_text
            translation = self.translation(files["km"], km_meta, version)
            minutes = en_meta.get("minutes", 10)
            lessons.append(
                Lesson(
                    key=key,
                    module_key=module_key,
                    number=number,
                    title=Text(km=titles["km"], en=titles["en"]),
                    html=Text(km=html["km"], en=html["en"]),
                    minutes=int(minutes) if isinstance(minutes, int) else 10,
                    en_words=len(body_without_sources(en_body, "## Sources").split()),
                    km_chars=len(
                        "".join(body_without_sources(km_body, "## ប្រភព").split())
                    ),
                    version=version,
                    translation=translation,
                    path_en=self.rel(files["en"]),
                    path_km=self.rel(files["km"]),
                    terms=tuple(linked),
                )
            )
        return tuple(lessons)

    def load_module(self, folder: Path, terms: set[str]) -> Module | None:
        path = folder / "module.toml"
        if not path.exists():
            self.error(folder, 1, "the module folder has no module.toml")
            return None
        doc = self.read_toml(path)
        if doc is None:
            return None
        key = str(doc.get("key", ""))
        dir_match = MODULE_DIR_RE.match(folder.name)
        if not KEY_RE.match(key) or key in RESERVED_MODULE_KEYS:
            self.error(path, self.where(path, "key"), f"bad module key {key!r}")
        elif not dir_match or dir_match.group(2) != key:
            self.error(path, self.where(path, "key"), "the folder must be NN-<key>")
        order = doc.get("order")
        if not isinstance(order, int):
            self.error(path, self.where(path, "order"), "order must be a whole number")
            order = 0
        prereqs = doc.get("prerequisites", [])
        if not isinstance(prereqs, list):
            self.error(
                path, self.where(path, "prerequisites"), "must be a list of keys"
            )
            prereqs = []
        quiz = doc.get("quiz")
        if not isinstance(quiz, str) or not quiz:
            self.error(path, self.where(path, "quiz"), "the module needs a quiz key")
            quiz = ""
        lessons = self.load_lessons(folder, key, terms)
        if not lessons:
            self.error(path, 1, "the module has no lessons")
        minutes = doc.get("minutes")
        return Module(
            key=key,
            order=order,
            title=self.text(path, doc, "title", "[title]"),
            summary=self.text(path, doc, "summary", "[summary]"),
            minutes=minutes
            if isinstance(minutes, int)
            else sum(lesson.minutes for lesson in lessons),
            prerequisites=tuple(str(p) for p in prereqs),
            lessons=lessons,
            quiz_key=quiz,
            translation=self.translation(
                path, doc.get("translation"), english_hash(doc)
            ),
            path=self.rel(path),
        )

    # -- quizzes -------------------------------------------------------------
    def load_question(self, path: Path, item: dict, seen: set) -> Question | None:
        key = str(item.get("key", ""))
        anchor = f'key = "{key}"'
        line = self.where(path, anchor)
        if not KEY_RE.match(key):
            self.error(path, line, f"bad question key {key!r}")
            return None
        if key in seen:
            self.error(path, line, f"duplicate question key {key!r}")
        seen.add(key)
        qtype = item.get("type")
        if qtype not in QUESTION_TYPES:
            self.error(
                path, line, f"question {key}: type must be one of {QUESTION_TYPES}"
            )
            return None
        points = item.get("points", 1)
        if not isinstance(points, int | float) or points <= 0:
            self.error(path, line, f"question {key}: points must be above zero")
            points = 1
        choices = []
        choice_keys = set()
        for choice in item.get("choices", []):
            ckey = str(choice.get("key", ""))
            if not ckey or ckey in choice_keys:
                self.error(
                    path, line, f"question {key}: missing or repeated choice key"
                )
                continue
            choice_keys.add(ckey)
            choices.append(
                Choice(
                    ckey,
                    self.text(path, choice, "text", anchor),
                    self.text(path, choice, "explanation", anchor),
                )
            )
        if len(choices) < 2:
            self.error(path, line, f"question {key}: needs at least two choices")
        if qtype == "truefalse" and choice_keys != {"true", "false"}:
            self.error(
                path, line, f"question {key}: true/false choices are true, false"
            )
        correct = item.get("correct", [])
        if isinstance(correct, str):
            correct = [correct]
        if not isinstance(correct, list) or not correct:
            self.error(path, line, f"question {key}: no correct answer")
            correct = []
        for ckey in correct:
            if ckey not in choice_keys:
                self.error(
                    path, line, f"question {key}: correct key {ckey!r} is not a choice"
                )
        if qtype != "multiple" and len(correct) > 1:
            self.error(path, line, f"question {key}: {qtype} has exactly one answer")
        scenario = None
        if qtype == "scenario":
            scenario = self.text(path, item, "scenario", anchor)
        return Question(
            key=key,
            type=qtype,
            points=float(points),
            correct=frozenset(str(c) for c in correct),
            text=self.text(path, item, "text", anchor),
            scenario=scenario,
            choices=tuple(choices),
        )

    def load_quiz(self, path: Path, doc: dict) -> Quiz | None:
        key = str(doc.get("key", ""))
        kind = doc.get("kind", "module")
        if kind not in ("module", "knowledge"):
            self.error(
                path, self.where(path, "kind"), f"kind must be one of {QUIZ_KINDS}"
            )
            return None
        pass_mark = doc.get("pass_mark")
        if kind == "module" and (
            not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100
        ):
            self.error(
                path, self.where(path, "pass_mark"), "pass_mark is 1-100 (percent)"
            )
            pass_mark = 100
        max_attempts = doc.get("max_attempts", 0)
        wait = doc.get("wait_minutes", 0)
        for name, value in (("max_attempts", max_attempts), ("wait_minutes", wait)):
            if not isinstance(value, int) or value < 0:
                self.error(
                    path, self.where(path, name), f"{name} is a whole number >= 0"
                )
        rule = doc.get("multiple_choice", "partial")
        if rule not in MC_RULES:
            self.error(
                path, self.where(path, "multiple_choice"), f"use one of {MC_RULES}"
            )
        seen: set[str] = set()
        questions = [
            q
            for q in (
                self.load_question(path, item, seen)
                for item in doc.get("questions", [])
            )
            if q is not None
        ]
        if not questions:
            self.error(path, 1, "the quiz has no questions")
        version = english_hash(doc)
        return Quiz(
            key=key,
            kind=kind,
            module_key=doc.get("module") if kind == "module" else None,
            track=doc.get("track") if kind == "knowledge" else None,
            pass_mark=pass_mark if kind == "module" else None,
            max_attempts=max_attempts if isinstance(max_attempts, int) else 0,
            wait_minutes=wait if isinstance(wait, int) else 0,
            multiple_choice=rule if rule in MC_RULES else "partial",
            questions=tuple(questions),
            version=version,
            translation=self.translation(path, doc.get("translation"), version),
            path=self.rel(path),
        )

    def load_attitude(self, path: Path, doc: dict) -> AttitudeSurvey:
        scale = []
        for item in doc.get("scale", []):
            scale.append(
                (str(item.get("key", "")), self.text(path, item, "text", "[[scale]]"))
            )
        if len(scale) != 3:
            self.error(
                path, self.where(path, "[[scale]]"), "the scale has three points"
            )
        items = []
        for item in doc.get("items", []):
            key = str(item.get("key", ""))
            anchor = f'key = "{key}"'
            if not isinstance(item.get("reverse"), bool):
                self.error(
                    path, self.where(path, anchor), f"item {key}: reverse is true/false"
                )
            items.append(
                AttitudeItem(
                    key,
                    bool(item.get("reverse")),
                    self.text(path, item, "text", anchor),
                )
            )
        if not items:
            self.error(path, 1, "the survey has no items")
        version = english_hash(doc)
        return AttitudeSurvey(
            key=str(doc.get("key", "")),
            direction=self.text(path, doc, "direction", "direction"),
            scale=tuple(scale),
            items=tuple(items),
            version=version,
            translation=self.translation(path, doc.get("translation"), version),
            path=self.rel(path),
        )

    # -- vetting criteria ----------------------------------------------------
    def load_vetting(self, path: Path) -> VettingCriteria | None:
        if not path.exists():
            self.error(path, 1, "vetting.toml is missing")
            return None
        doc = self.read_toml(path)
        if doc is None:
            return None
        version = doc.get("version")
        months = doc.get("review_months")
        if not isinstance(version, str) or not version:
            self.error(path, self.where(path, "version"), "version must be text")
            version = ""
        if not isinstance(months, int) or months < 1:
            self.error(path, self.where(path, "review_months"), "review_months >= 1")
            months = 12
        criteria = []
        seen: set[str] = set()
        for item in doc.get("criteria", []):
            key = str(item.get("key", ""))
            anchor = f'key = "{key}"'
            line = self.where(path, anchor)
            kind = item.get("kind")
            if not KEY_RE.match(key) or key in seen:
                self.error(path, line, f"bad or repeated criterion key {key!r}")
            seen.add(key)
            if kind not in CRITERION_KINDS:
                self.error(path, line, f"kind must be one of {CRITERION_KINDS}")
            min_score = item.get("min_score")
            min_sessions = item.get("min_sessions")
            if kind == "training" and not (
                isinstance(min_score, int) and 0 < min_score <= 100
            ):
                self.error(path, line, "a training criterion needs min_score 1-100")
            if kind == "attendance" and not (
                isinstance(min_sessions, int) and min_sessions > 0
            ):
                self.error(
                    path, line, "an attendance criterion needs min_sessions >= 1"
                )
            criteria.append(
                Criterion(
                    key=key,
                    kind=str(kind),
                    name=self.text(path, item, "name", anchor),
                    evidence=self.text(path, item, "evidence", anchor),
                    min_score=min_score if kind == "training" else None,
                    min_sessions=min_sessions if kind == "attendance" else None,
                )
            )
        if not criteria:
            self.error(path, 1, "no criteria")
        return VettingCriteria(
            version=version,
            review_months=months,
            criteria=tuple(criteria),
            translation=self.translation(
                path, doc.get("translation"), english_hash(doc)
            ),
            path=self.rel(path),
        )

    # -- whole catalogue -----------------------------------------------------
    def load(self, modules_dir: Path, quizzes_dir: Path) -> Catalog:
        glossary = self.load_glossary(modules_dir / "glossary.toml")
        terms = {t.key for t in glossary}
        tracks = self.load_tracks(modules_dir / "tracks.toml")
        modules = []
        for folder in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
            module = self.load_module(folder, terms)
            if module:
                modules.append(module)
        quizzes: dict[str, Quiz] = {}
        attitude = None
        for path in sorted(quizzes_dir.glob("*.toml")):
            doc = self.read_toml(path)
            if doc is None:
                continue
            key = doc.get("key")
            if key != path.stem:
                self.error(
                    path, self.where(path, "key"), "key must equal the file name"
                )
            if doc.get("kind") == "attitude":
                if attitude is not None:
                    self.error(path, 1, "only one attitude survey is allowed")
                attitude = self.load_attitude(path, doc)
                continue
            quiz = self.load_quiz(path, doc)
            if quiz:
                quizzes[quiz.key] = quiz
        vetting = self.load_vetting(modules_dir / "vetting.toml")
        self.cross_check(modules, quizzes, tracks)
        modules.sort(key=lambda m: (m.order, m.key))
        return Catalog(
            modules=tuple(modules),
            quizzes=MappingProxyType(quizzes),
            tracks=tracks,
            glossary=glossary,
            attitude=attitude,
            vetting=vetting,
        )

    def cross_check(self, modules, quizzes, tracks) -> None:
        by_key = {}
        for module in modules:
            path = self.root / module.path
            if module.key in by_key:
                self.error(path, 1, f"duplicate module key {module.key!r}")
            by_key[module.key] = module
        for module in modules:
            path = self.root / module.path
            quiz = quizzes.get(module.quiz_key)
            if quiz is None:
                self.error(
                    path, self.where(path, "quiz"), f"no quiz {module.quiz_key!r}"
                )
            elif quiz.kind != "module" or quiz.module_key != module.key:
                self.error(
                    self.root / quiz.path, 1, f"quiz must say module = {module.key!r}"
                )
            for pre in module.prerequisites:
                if pre not in by_key:
                    self.error(
                        path,
                        self.where(path, "prerequisites"),
                        f"unknown prerequisite {pre!r}",
                    )
        cycle = find_cycle({m.key: m.prerequisites for m in modules})
        if cycle:
            first = by_key[cycle[0]]
            self.error(
                self.root / first.path,
                1,
                "prerequisite cycle: " + " -> ".join(cycle),
            )
        for quiz in quizzes.values():
            if quiz.kind == "module" and quiz.module_key not in by_key:
                self.error(
                    self.root / quiz.path, 1, f"unknown module {quiz.module_key!r}"
                )
        tracks_path = self.root / "modules" / "tracks.toml"
        for track in tracks:
            for mkey in track.required + track.optional:
                if mkey not in by_key:
                    self.error(
                        tracks_path,
                        self.where(tracks_path, f'"{mkey}"'),
                        f"track {track.key!r} names unknown module {mkey!r}",
                    )
            test = track.knowledge_test
            if test and (test not in quizzes or quizzes[test].kind != "knowledge"):
                self.error(
                    tracks_path,
                    self.where(tracks_path, f'"{test}"'),
                    f"track {track.key!r}: no knowledge test {test!r}",
                )


def find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str] | None:
    """Return one cycle in a prerequisite graph as a list of keys, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def load_catalog(
    root: Path, modules_dir: Path, quizzes_dir: Path, term_url: Callable[[str], str]
) -> Catalog:
    """Load and validate all content; raise ContentInvalid listing every error."""
    loader = _Loader(root, term_url)
    catalog = loader.load(modules_dir, quizzes_dir)
    if loader.errors:
        raise ContentInvalid(loader.errors)
    return catalog
