"""The Khmer font subset covers every Khmer character the curriculum and the interface use."""

from pathlib import Path

from fontTools.ttLib import TTFont

from curriculum.config import ROOT

FONT = ROOT / "static" / "fonts" / "khmer-subset.woff2"


def _khmer_in(paths) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in paths:
        for ch in Path(path).read_text(encoding="utf-8"):
            if 0x1780 <= ord(ch) <= 0x17FF:
                found.setdefault(ch, str(path))
    return found


def test_every_khmer_character_shown_is_in_the_subset():
    covered = set(TTFont(FONT).getBestCmap())
    texts = [
        *ROOT.glob("modules/**/*.md"),
        *ROOT.glob("quizzes/*.toml"),
        *ROOT.glob("templates/**/*.html"),
        ROOT / "translations" / "km" / "LC_MESSAGES" / "messages.po",
    ]
    missing = {
        f"U+{ord(ch):04X} ({where})"
        for ch, where in _khmer_in(texts).items()
        if ord(ch) not in covered
    }
    assert not missing, f"add these to the subset (and to unicode-range): {missing}"
