"""Normalise Khmer text so that names, phones and searches typed differently compare.

Khmer keyboards let people type the marks of a syllable in any order, and many
fonts draw the results the same, so two names that look identical can differ in
bytes. NFC does not reorder Khmer. Never cut Khmer into words with `\\w`,
`isalpha()` or `split()`: Khmer writes no spaces between words.
"""

import re
import string
import unicodedata

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
COENG = "\u17d2"

_INVISIBLE_TABLE = dict.fromkeys(map(ord, INVISIBLE))
_WHITESPACE = re.compile(r"\s+")
# Khmer digits, both ways: the one table of the project.
TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
TO_ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_KHMER_PUNCTUATION = frozenset(chr(code) for code in range(0x17D4, 0x17DB))
_ASCII_PUNCTUATION = frozenset(string.punctuation)
# The two-part vowels that Unicode's Khmer block says not to type as their parts.
_SPLIT_VOWELS = (
    ("\u17c1", "\u17b8", "\u17be"),
    ("\u17c1", "\u17b6", "\u17c4"),
)
_SHIFTERS_AND_ROBAT = frozenset("\u17c9\u17ca\u17cc")
# Shapers (HarfBuzz's Khmer machine) accept these signs only at a syllable's end.
_FINAL_SIGNS = frozenset("\u17c7\u17c8\u17d3\u17dd")
# For matching only: subscript DA and TA are written for the same sound (the gazetteer
# writes កណ្ដាល, people type កណ្តាល), and subscript RO, drawn on the left, is typed
# before or after the other subscript (ចន្រ្ទា / ចន្ទ្រា); Unicode puts it last.
_COENG_DA = COENG + "\u178a"
_COENG_TA = COENG + "\u178f"
_SUBSCRIPT_RO_FIRST = re.compile("(\u17d2\u179a)((?:\u17d2[\u1780-\u17a2])+)")


def strip_invisible(text: str) -> str:
    """Remove zero-width spaces, joiners, word joiners, BOMs and soft hyphens."""
    return text.translate(_INVISIBLE_TABLE)


def normalize_khmer(text: str) -> str:
    """Return text in NFC, one-spaced, trimmed, with Khmer marks in canonical order."""
    text = strip_invisible(unicodedata.normalize("NFC", text))
    text = _WHITESPACE.sub(" ", text).strip()
    return _order_clusters(text)


def name_key(text: str) -> str:
    """Return the key under which two spellings of a name count as the same."""
    key = normalize_khmer(text).casefold()
    key = _SUBSCRIPT_RO_FIRST.sub(r"\2\1", key).replace(_COENG_DA, _COENG_TA)
    return "".join(ch for ch in key if not _is_space_or_punctuation(ch))


def ascii_digits(text: str | None) -> str:
    """Return the text with Khmer digits written as ASCII digits."""
    return (text or "").translate(TO_ASCII_DIGITS)


def parse_int(text: str | None, max_digits: int = 8) -> int | None:
    """Return the whole number typed (Khmer or ASCII digits), or None if it is not one."""
    digits = ascii_digits(text).strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= max_digits:
        return int(digits)
    return None


def phone_key(text: str) -> str:
    """Return a phone number's digits in national form (a leading 0, not +855)."""
    digits = "".join(ch for ch in text.translate(TO_ASCII_DIGITS) if "0" <= ch <= "9")
    if digits.startswith("00855"):
        digits = digits[2:]
    # A national number starts with its trunk 0, so a leading 855 is the country code.
    if digits.startswith("855") and len(digits) > 3:
        rest = digits[3:]
        digits = rest if rest.startswith("0") else f"0{rest}"
    return digits


def _is_consonant(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17a2"


def _is_base(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17b3"


def _is_mark(ch: str) -> bool:
    return "\u17b4" <= ch <= "\u17d3" or ch == "\u17dd"


def _is_space_or_punctuation(ch: str) -> bool:
    return (
        ch.isspace()
        or ch in _ASCII_PUNCTUATION
        or ch in _KHMER_PUNCTUATION
        or unicodedata.category(ch).startswith("P")
    )


def _order_clusters(text: str) -> str:
    """Put the marks after every Khmer base character in canonical order."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if not _is_base(ch):
            out.append(ch)
            continue
        units: list[str] = []
        while i < n:
            if text[i] == COENG and i + 1 < n and _is_consonant(text[i + 1]):
                units.append(text[i : i + 2])
                i += 2
            elif _is_mark(text[i]):
                units.append(text[i])
                i += 1
            else:
                break
        out.append(ch)
        out.append(_order_marks(units))
    return "".join(out)


def _order_marks(units: list[str]) -> str:
    """Order one cluster's marks: subscripts as typed, then the others by rank."""
    # The order of subscripts changes the stack that is drawn, so keep it.
    subscripts = [unit for unit in units if unit[0] == COENG]
    marks = {unit for unit in units if unit[0] != COENG}
    for first, second, whole in _SPLIT_VOWELS:
        if first in marks and second in marks:
            marks -= {first, second}
            marks.add(whole)
    return "".join(subscripts) + "".join(sorted(marks, key=_mark_rank))


def _mark_rank(mark: str) -> tuple[int, str]:
    if mark in _SHIFTERS_AND_ROBAT:
        return 1, mark
    if mark <= "\u17c5":
        return 2, mark
    if mark in _FINAL_SIGNS:
        return 4, mark
    return 3, mark
