"""Content: modules/ and quizzes/ loaded into an immutable, validated Catalog."""

from curriculum.content.loader import ContentError, ContentInvalid, load_catalog
from curriculum.content.model import Catalog

__all__ = ["Catalog", "ContentError", "ContentInvalid", "load_catalog", "term_anchor"]


def term_anchor(key: str) -> str:
    """Return where a lesson's glossary link points: the term's box on the same page."""
    return f"#term-{key}"


def catalog() -> Catalog:
    """Return the catalogue loaded at start-up."""
    from flask import current_app

    return current_app.extensions["catalog"]
