"""Content checks: the real curriculum passes, and each kind of mistake is caught."""

from pathlib import Path

import pytest

from curriculum.config import ROOT
from curriculum.content.loader import ContentInvalid, load_catalog
from curriculum.content.stamping import stamp
from curriculum.content.status import content_status
from tests.content_factory import run_flask, write_content


def load(root: Path):
    return load_catalog(root, root / "modules", root / "quizzes", lambda k: f"/g#{k}")


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        load(root)
    return [str(e) for e in info.value.errors]


@pytest.fixture()
def tree(tmp_path):
    return write_content(tmp_path)


def test_the_real_curriculum_is_valid():
    catalog = load(ROOT)
    assert len(catalog.modules) >= 1
    assert catalog.module("understanding-dv") is not None


def test_the_fixture_tree_is_valid(tree):
    catalog = load(tree)
    assert [m.key for m in catalog.modules] == ["alpha", "beta"]


def test_catalogue_is_immutable(tree):
    catalog = load(tree)
    with pytest.raises(AttributeError):
        catalog.modules[0].title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        catalog.quizzes["new"] = None  # type: ignore[index]


def test_invalid_toml_names_file_and_line(tree):
    path = tree / "quizzes" / "alpha.toml"
    lines = path.read_text().split("\n")
    lines[3] = "pass_mark = = 70"
    path.write_text("\n".join(lines))
    errors = errors_of(tree)
    assert any(
        e.startswith("quizzes/alpha.toml:4:") and "invalid TOML" in e for e in errors
    )


def test_missing_khmer_lesson_is_an_error(tree):
    (tree / "modules" / "01-alpha" / "02-second.km.md").unlink()
    assert any("has no km version" in e for e in errors_of(tree))


def test_short_lesson_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "01-first.en.md"
    text = path.read_text()
    head, _, _ = text.partition("Violence in the home")
    path.write_text(head + "\n## Key messages\n\n- x\n\n## Sources\n\n- y\n")
    assert any("01-first.en.md:1: too short" in e for e in errors_of(tree))


def test_missing_sources_section_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "01-first.km.md"
    path.write_text(path.read_text().replace("## ប្រភព", "## ផ្សេងៗ"))
    assert any("'## ប្រភព'" in e for e in errors_of(tree))


def test_raw_html_in_a_lesson_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "01-first.en.md"
    path.write_text(
        path.read_text().replace("See [", "<script>alert(1)</script> See [")
    )
    assert any("raw HTML" in e for e in errors_of(tree))


def test_choice_key_that_does_not_exist_is_an_error(tree):
    path = tree / "quizzes" / "alpha.toml"
    path.write_text(path.read_text().replace('correct = ["c"]', 'correct = ["z"]'))
    errors = errors_of(tree)
    assert any("correct key 'z' is not a choice" in e for e in errors)
    assert any(e.startswith("quizzes/alpha.toml:") and ":1:" not in e for e in errors)


def test_quiz_question_without_correct_answer_is_an_error(tree):
    path = tree / "quizzes" / "alpha.toml"
    path.write_text(path.read_text().replace('correct = ["a"]\n', "correct = []\n", 1))
    assert any("no correct answer" in e for e in errors_of(tree))


def test_missing_explanation_in_one_language_is_an_error(tree):
    path = tree / "quizzes" / "alpha.toml"
    path.write_text(path.read_text().replace('explanation.km = "ព្រោះ a។"\n', "", 1))
    assert any("'explanation.km' is missing" in e for e in errors_of(tree))


def test_prerequisite_cycle_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "module.toml"
    path.write_text(
        path.read_text().replace("prerequisites = []", 'prerequisites = ["beta"]')
    )
    assert any("prerequisite cycle: " in e for e in errors_of(tree))


def test_track_naming_an_unknown_module_is_an_error(tree):
    path = tree / "modules" / "tracks.toml"
    path.write_text(path.read_text().replace('"beta"]', '"gamma"]', 1))
    assert any("names unknown module 'gamma'" in e for e in errors_of(tree))


def test_glossary_link_to_unknown_term_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "01-first.en.md"
    path.write_text(
        path.read_text().replace("glossary:domestic-violence", "glossary:nope")
    )
    assert any("unknown glossary term 'nope'" in e for e in errors_of(tree))


def test_unstamped_translation_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "01-first.km.md"
    text = path.read_text()
    start = text.index('source_sha256 = "') + len('source_sha256 = "')
    path.write_text(text[:start] + "pending" + text[text.index('"', start) :])
    assert any("not stamped" in e for e in errors_of(tree))


def test_changed_english_makes_khmer_stale_until_restamped(tree):
    en = tree / "modules" / "01-alpha" / "01-first.en.md"
    en.write_text(en.read_text().replace("An officer", "A good officer"))
    row = content_status(load(tree))[0]
    assert row.stale == ("modules/01-alpha/01-first.km.md",)
    stamp(
        tree / "modules", tree / "quizzes", {tree / "modules/01-alpha/01-first.km.md"}
    )
    assert content_status(load(tree))[0].stale == ()


def test_drafted_khmer_is_reported_as_draft(tree):
    row = content_status(load(tree))[0]
    assert len(row.draft) == 4  # module.toml, two lessons, the quiz
    assert row.lessons_en == row.lessons_km == 2
    assert row.questions_en == row.questions_km == 4


def test_reviewed_without_a_reviewer_is_an_error(tree):
    path = tree / "modules" / "01-alpha" / "01-first.km.md"
    path.write_text(path.read_text().replace('review = "draft"', 'review = "reviewed"'))
    assert any("names its reviewer" in e for e in errors_of(tree))


def test_content_check_command_exits_non_zero_naming_file_and_line(tree):
    good = run_flask(["content", "check"], tree)
    assert good.returncode == 0, good.stderr
    path = tree / "quizzes" / "alpha.toml"
    path.write_text(path.read_text().replace('correct = ["c"]', 'correct = ["z"]'))
    bad = run_flask(["content", "check"], tree)
    assert bad.returncode == 1
    assert "quizzes/alpha.toml:" in bad.stderr and "'z' is not a choice" in bad.stderr


def test_app_refuses_to_start_on_invalid_content_with_the_same_message(tree):
    path = tree / "quizzes" / "alpha.toml"
    path.write_text(path.read_text().replace('correct = ["c"]', 'correct = ["z"]'))
    result = run_flask(["routes"], tree)
    assert result.returncode != 0
    assert "'z' is not a choice" in result.stderr
    assert "will not start" in result.stderr
