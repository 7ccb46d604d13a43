"""The headings of a lesson, in one table, and the parts of a body they mark."""

SECTIONS = {
    "en": {
        "key_messages": "## Key messages",
        "sources": "## Sources",
    },
    "km": {
        "key_messages": "## សារសំខាន់ៗ",
        "sources": "## ប្រភព",
    },
}


def heading(locale: str, name: str) -> str:
    """Return the heading of a named section in a language."""
    return SECTIONS[locale][name]


def body_without_sources(body: str, locale: str) -> str:
    """Return a lesson body up to its Sources section."""
    pos = body.find(heading(locale, "sources"))
    return body if pos < 0 else body[:pos]
