"""Khmer in the content files: no invisible characters, marks in order, one spelling.

The same normalisation that makes typed names compare (curriculum.khmer) is the
standard for the curriculum: a file whose Khmer it would change was typed out of
order, and another font or a search would treat it as a different word. Words the
curriculum writes one way are in SPELLINGS (issue 16: ឱ្យ, ប្ដី).
"""

import re
import unicodedata

from curriculum.khmer import INVISIBLE, normalize_khmer

# (spelling not used, the spelling the curriculum settled on)
SPELLINGS = (
    ("ឲ្យ", "ឱ្យ"),
    ("ប្តី", "ប្ដី"),
)
_KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")


def khmer_problems(text: str) -> list[tuple[int, str]]:
    """Return (line, message) for every Khmer problem in a file's text."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        if any(ch in INVISIBLE for ch in line):
            problems.append(
                (
                    number,
                    "invisible character (zero-width space, joiner or soft hyphen)",
                )
            )
        for wrong, right in SPELLINGS:
            if wrong in line:
                problems.append((number, f"write {right}, not {wrong}"))
        if not _KHMER.search(line):
            continue
        plain = " ".join(
            "".join(
                ch for ch in unicodedata.normalize("NFC", line) if ch not in INVISIBLE
            ).split()
        )
        fixed = normalize_khmer(plain)
        if fixed != plain:
            problems.append((number, _order_message(plain, fixed)))
    return problems


def _order_message(typed: str, fixed: str) -> str:
    pairs = zip(typed, fixed, strict=False)
    at = next(
        (i for i, (a, b) in enumerate(pairs) if a != b), min(len(typed), len(fixed))
    )
    near, right = typed[max(0, at - 3) : at + 4], fixed[max(0, at - 3) : at + 4]
    return f"Khmer marks typed out of order near {near!r}: retype it as {right!r}"
