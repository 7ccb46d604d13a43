"""The loader after its split: public names, and tracks.toml read from the modules dir."""

from pathlib import Path

import pytest

from curriculum.content import ContentError, ContentInvalid, load_catalog
from tests.content_factory import write_content


def term_url(key: str) -> str:
    return f"/g#{key}"


@pytest.fixture()
def elsewhere(tmp_path) -> tuple[Path, Path, Path]:
    """A content tree whose modules dir is not <root>/modules."""
    content = write_content(tmp_path / "content")
    root = tmp_path / "project"
    root.mkdir()
    return root, content / "modules", content / "quizzes"


def test_public_names_import_from_the_package():
    assert ContentError("a.md", 3, "bad").__str__() == "a.md:3: bad"
    assert issubclass(ContentInvalid, Exception)


def test_tracks_come_from_the_configured_modules_dir(elsewhere):
    root, modules, quizzes = elsewhere
    catalog = load_catalog(root, modules, quizzes, term_url)
    assert [t.key for t in catalog.tracks] == ["police", "leaders", "health", "cmg"]


def test_a_track_error_names_the_configured_tracks_file_and_line(elsewhere):
    root, modules, quizzes = elsewhere
    path = modules / "tracks.toml"
    text = path.read_text().replace('"beta"]', '"gamma"]', 1)
    path.write_text(text)
    with pytest.raises(ContentInvalid) as info:
        load_catalog(root, modules, quizzes, term_url)
    (error,) = [e for e in info.value.errors if "gamma" in e.message]
    assert error.path == str(path)
    assert error.line == text[: text.index('"gamma"')].count("\n") + 1


def test_a_list_right_under_a_bold_line_renders_as_a_list():
    from curriculum.content.rendering import render_lesson

    html, _ = render_lesson("**You must:**\n- listen;\n- refer.\n", term_url)
    assert (
        "<ul>\n<li>listen;</li>" in html and "<p><strong>You must:</strong></p>" in html
    )


def test_a_year_inside_a_paragraph_line_is_not_made_a_list():
    from curriculum.content.rendering import render_lesson

    html, _ = render_lesson("The law was passed in\n2005 by the Assembly.\n", term_url)
    assert "<ol>" not in html and "<ul>" not in html
