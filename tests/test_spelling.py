"""Khmer in content files: invisible characters, marks out of order and settled spellings."""

import pytest

from curriculum.content import ContentInvalid, load_catalog
from curriculum.content.spelling import khmer_problems
from tests.content_factory import write_content


def test_clean_khmer_has_no_problems():
    assert khmer_problems("ប្ដីរបស់នាងឱ្យលុយ\nEnglish line") == []


@pytest.mark.parametrize(("wrong", "right"), [("ឲ្យ", "ឱ្យ"), ("ប្តី", "ប្ដី")])
def test_an_unsettled_spelling_names_the_line_and_the_right_one(wrong, right):
    (problem,) = khmer_problems(f"ល្អ\nនាង{wrong}\n")
    assert problem == (2, f"write {right}, not {wrong}")


def test_a_zero_width_space_is_found():
    (problem,) = khmer_problems("ស្ត្រី\u200bម្នាក់")
    assert problem[0] == 1 and "invisible character" in problem[1]


def test_a_vowel_typed_before_its_subscript_is_found_with_the_fix():
    typed = "ក\u17b6\u17d2\u179a"  # vowel AA typed before coeng RO
    (problem,) = khmer_problems(typed)
    assert "typed out of order" in problem[1]
    assert repr("ក\u17d2\u179a\u17b6") in problem[1]


def test_latin_text_is_never_judged_as_khmer():
    assert khmer_problems("Cafe\u0301 and naïve text") == []


def test_the_loader_reports_a_spelling_in_a_khmer_lesson_with_file_and_line(tmp_path):
    root = write_content(tmp_path)
    path = root / "modules" / "01-alpha" / "01-first.km.md"
    lines = path.read_text("utf-8").split("\n")
    lines[9] = lines[9] + " ឲ្យ"
    path.write_text("\n".join(lines), "utf-8")
    with pytest.raises(ContentInvalid) as info:
        load_catalog(root, root / "modules", root / "quizzes", lambda k: k)
    assert "modules/01-alpha/01-first.km.md:10: write ឱ្យ, not ឲ្យ" in [
        str(e) for e in info.value.errors
    ]
