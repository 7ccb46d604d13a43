"""Content: modules/ and quizzes/ loaded into an immutable, validated Catalog."""

from curriculum.content.loader import ContentError, ContentInvalid, load_catalog
from curriculum.content.model import Catalog

__all__ = ["Catalog", "ContentError", "ContentInvalid", "load_catalog"]


def catalog() -> Catalog:
    """Return the catalogue loaded at start-up."""
    from flask import current_app

    return current_app.extensions["catalog"]
