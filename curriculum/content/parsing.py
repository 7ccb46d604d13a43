"""Reading content files: TOML, lesson front matter, errors with file and line."""

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from curriculum.content.model import LOCALES, Text

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


@dataclass(frozen=True)
class LessonFile:
    """One lesson file as read: its bytes, text, front matter and Markdown body."""

    raw: bytes
    text: str
    meta: dict
    body: str


class Reader:
    """Reads content files and collects every error, with file and line.

    One Reader serves a whole load; the loaders of each kind of file
    (lessons, quizzes, loader.py) take it as their first argument.
    """

    def __init__(
        self,
        root: Path,
        term_url: Callable[[str], str],
        overrides: Mapping[Path, str] | None = None,
    ):
        self.root = root
        self.term_url = term_url
        self.errors: list[ContentError] = []
        self._texts: dict[Path, str] = {}
        # Corrected texts read in place of some files (reviewers' corrections).
        self._overrides = {p.resolve(): t for p, t in (overrides or {}).items()}

    def _read(self, path: Path) -> str:
        override = self._overrides.get(path.resolve())
        return override if override is not None else path.read_text(encoding="utf-8")

    def rel(self, path: Path) -> str:
        """Return path relative to the project root when it lies inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def error(self, path: Path, line: int, message: str) -> None:
        """Record one error."""
        self.errors.append(ContentError(self.rel(path), line, message))

    def remember(self, path: Path, text: str) -> None:
        """Keep a file's text so that later errors can name a line in it."""
        self._texts[path] = text

    def texts(self) -> list[tuple[Path, str]]:
        """Return every file read so far with its text."""
        return list(self._texts.items())

    def read_toml(self, path: Path) -> dict | None:
        """Return a parsed TOML file, or None after recording why it cannot be read."""
        try:
            text = self._read(path)
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

    def read_lesson(self, path: Path) -> LessonFile | None:
        """Return a lesson file split into front matter and body, or None."""
        try:
            text = self._read(path)
            raw = text.encode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.error(path, 1, f"cannot read the lesson: {exc}")
            return None
        try:
            front, body, _ = split_front_matter(text)
            meta = tomllib.loads(front)
        except ValueError as exc:  # TOMLDecodeError is a ValueError
            match = TOML_LINE_RE.search(str(exc))
            self.error(path, int(match.group(1)) + 1 if match else 1, str(exc))
            return None
        return LessonFile(raw, text, meta, body)

    def where(self, path: Path, needle: str) -> int:
        """Return the line of a file read before where needle first appears."""
        return line_of(self._texts.get(path, ""), needle)

    def text(self, path: Path, node, field: str, anchor: str) -> Text:
        """Return node[field] as Text, recording an error for a missing language."""
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
