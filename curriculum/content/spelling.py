"""Khmer in the content files: no invisible characters, marks in order, one spelling.

The same normalisation that makes typed names compare (curriculum.khmer) is the
standard for the curriculum: a file whose Khmer it would change was typed out of
order, and another font or a search would treat it as a different word. Words the
curriculum writes one way are in SPELLINGS (issue 16: ឱ្យ, ប្ដី).
"""

import re
import unicodedata
from dataclasses import dataclass

from curriculum.khmer import INVISIBLE, normalize_khmer

# (spelling not used, the spelling the curriculum settled on)
SPELLINGS = (
    ("ឲ្យ", "ឱ្យ"),
    ("ប្តី", "ប្ដី"),
)
_KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


@dataclass(frozen=True)
class Problem:
    """One Khmer problem in a line: a code (invisible, spelling, order) and its words."""

    code: str
    typed: str = ""
    right: str = ""

    def __str__(self) -> str:
        if self.code == "invisible":
            return "invisible character (zero-width space, joiner or soft hyphen)"
        if self.code == "spelling":
            return f"write {self.right}, not {self.typed}"
        return (
            f"Khmer marks typed out of order near {self.typed!r}: "
            f"retype it as {self.right!r}"
        )


def line_problems(line: str) -> list[Problem]:
    """Return the Khmer problems of one line of text."""
    problems = []
    if any(ch in INVISIBLE for ch in line):
        problems.append(Problem("invisible"))
    for wrong, right in SPELLINGS:
        if wrong in line:
            problems.append(Problem("spelling", wrong, right))
    if not _KHMER.search(line):
        return problems
    plain = " ".join(
        "".join(
            ch for ch in unicodedata.normalize("NFC", line) if ch not in INVISIBLE
        ).split()
    )
    fixed = normalize_khmer(plain)
    if fixed != plain:
        problems.append(_order_problem(plain, fixed))
    return problems


def text_problems(text: str) -> list[Problem]:
    """Return the Khmer problems of a text, line by line (a reviewer's correction)."""
    return [problem for line in text.split("\n") for problem in line_problems(line)]


def khmer_problems(text: str) -> list[tuple[int, str]]:
    """Return (line, message) for every Khmer problem in a file's text."""
    return [
        (number, str(problem))
        for number, line in enumerate(text.split("\n"), start=1)
        for problem in line_problems(line)
    ]


def _order_problem(typed: str, fixed: str) -> Problem:
    pairs = zip(typed, fixed, strict=False)
    at = next(
        (i for i, (a, b) in enumerate(pairs) if a != b), min(len(typed), len(fixed))
    )
    near, right = typed[max(0, at - 3) : at + 4], fixed[max(0, at - 3) : at + 4]
    return Problem("order", near, right)
