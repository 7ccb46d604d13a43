"""Content: modules/ and quizzes/ loaded into an immutable, validated Catalog.

Where things are (read top to bottom, each room imports only the ones above it):

- model.py       the immutable objects the catalogue holds (Lesson, Quiz, Catalog...)
- sections.py    the headings of a lesson, in both languages, in one table, and the parts
                 of a body they mark
- parsing.py     reading files: TOML, lesson front matter; ContentError, ContentInvalid and
                 the Reader that collects every error with file and line
- stamping.py    hashes of English text and `flask content stamp`
- rendering.py   lesson Markdown to HTML, glossary links resolved
- validation.py  the rules: lesson bodies (sections, length), translation state, links
                 between modules, quizzes and tracks, prerequisite cycles
- lessons.py     a module folder: module.toml and its lesson pairs
- quizzes.py     quizzes/: module quizzes, knowledge tests, the attitude survey
- loader.py      `load_catalog`, the entry point, and glossary, tracks and vetting files
- status.py      translation state per module (`flask content status`, admin page)
- items.py       translatable items (each Khmer block or value beside its English) and
                 writing corrected Khmer into a file's text (translation review)

Public names: `load_catalog`, `ContentError`, `ContentInvalid`, `Catalog`, `term_anchor`,
`catalog()` (the catalogue loaded at start-up).
"""

from curriculum.content.loader import load_catalog
from curriculum.content.model import Catalog
from curriculum.content.parsing import ContentError, ContentInvalid

__all__ = ["Catalog", "ContentError", "ContentInvalid", "load_catalog", "term_anchor"]


def term_anchor(key: str) -> str:
    """Return where a lesson's glossary link points: the term's box on the same page."""
    return f"#term-{key}"


def catalog() -> Catalog:
    """Return the catalogue of this request (the same from its start to its end).

    Outside a request, the app's current one. Reviewers' corrections swap the app's
    catalogue (services/review.py); a request keeps the one it started with.
    """
    from flask import current_app, g, has_request_context

    if has_request_context():
        pinned = g.get("catalog")
        if pinned is not None:
            return pinned
    return current_app.extensions["catalog"]
