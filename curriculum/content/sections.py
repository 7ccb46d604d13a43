"""The headings of a lesson, in one table, and the parts of a body they mark.

A lesson reads: body sections, `## Scenario` (its Discuss list followed by `### Model
answers`), `## Key messages`, then optionally `## Facilitator notes` (shown only to
facilitators, admins and in the projector view), and `## Sources` last.
"""

SECTIONS = {
    "en": {
        "key_messages": "## Key messages",
        "facilitator_notes": "## Facilitator notes",
        "sources": "## Sources",
        "model_answers": "### Model answers",
    },
    "km": {
        "key_messages": "## សារសំខាន់ៗ",
        "facilitator_notes": "## សម្រាប់អ្នកសម្របសម្រួល",
        "sources": "## ប្រភព",
        "model_answers": "### ចម្លើយគំរូ",
    },
}

# The text of the model-answers headings, which the renderer folds into <details>.
MODEL_ANSWER_TITLES = frozenset(
    SECTIONS[loc]["model_answers"].lstrip("# ").strip() for loc in SECTIONS
)


def heading(locale: str, name: str) -> str:
    """Return the heading of a named section in a language."""
    return SECTIONS[locale][name]


def body_without_sources(body: str, locale: str) -> str:
    """Return a lesson body up to its Sources section."""
    pos = body.find(heading(locale, "sources"))
    return body if pos < 0 else body[:pos]


def split_notes(body: str, locale: str) -> tuple[str, str]:
    """Return (the body without its facilitator notes, the notes without their heading).

    The notes run from their heading to the next `## ` heading (Sources) or the end.
    """
    lines = body.split("\n")
    notes_heading = heading(locale, "facilitator_notes")
    start = next((i for i, ln in enumerate(lines) if ln.strip() == notes_heading), None)
    if start is None:
        return body, ""
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
        len(lines),
    )
    notes = "\n".join(lines[start + 1 : end]).strip()
    return "\n".join(lines[:start] + lines[end:]), notes


def trainee_text(body: str, locale: str) -> str:
    """Return what a trainee reads and is counted: no facilitator notes, no Sources."""
    return body_without_sources(split_notes(body, locale)[0], locale)
