"""The parts of a lesson and of a quiz that can be narrated, and the text each reads.

A lesson's parts are its opening (before the first `## ` heading) and each `## ` section
of what a trainee reads, Sources excepted: `s0`, `s1`, ... in order. The rendered HTML
splits at the same headings (`<h2`), so a recording can be shown beside its section.
A quiz's parts are its questions, each with its scenario and choices.

A recording keeps the hash of the text it reads (`text_hash`, as the translation
review does); when the text changes, the hash differs and the recording is stale.
"""

import re
from dataclasses import dataclass

from curriculum.content.items import text_hash
from curriculum.content.model import LOCALES, Question, Text
from curriculum.content.sections import heading

_H2 = re.compile(r"^## ", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Part:
    """One narratable part: a lesson section or a quiz question."""

    key: str  # "s0", "s1", ... or a question key
    title: Text  # the section heading (or question number) shown to the recorder
    text: Text  # what the narrator reads, in each language

    def text_hash(self, locale: str) -> str:
        """Return the hash of the part's text in a language."""
        return text_hash(self.text[locale])


def _chunks(body: str) -> list[str]:
    """Split a Markdown body before each `## ` heading; the first chunk is the opening."""
    starts = [m.start() for m in _H2.finditer(body)]
    bounds = [0, *starts, len(body)]
    return [body[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _title(chunk: str) -> str:
    first = chunk.split("\n", 1)[0]
    return first[3:].strip() if first.startswith("## ") else ""


def lesson_parts(bodies: dict[str, str]) -> tuple[Part, ...]:
    """Return the parts of a lesson from its trainee bodies ({locale: Markdown}).

    The two languages must have the same sections; when they do not (the loader
    reports that as an error), the lesson has no parts rather than mismatched ones.
    """
    chunks = {loc: _chunks(bodies[loc]) for loc in LOCALES}
    if len(chunks["km"]) != len(chunks["en"]):
        return ()
    parts = []
    for number, (km, en) in enumerate(zip(chunks["km"], chunks["en"], strict=True)):
        if km.startswith(heading("km", "sources")) or en.startswith(
            heading("en", "sources")
        ):
            continue
        if not (km.strip() and en.strip()):
            continue
        parts.append(
            Part(
                key=f"s{number}",
                title=Text(km=_title(km), en=_title(en)),
                text=Text(km=km.strip(), en=en.strip()),
            )
        )
    return tuple(parts)


def split_html(html: str) -> list[str]:
    """Split a lesson's HTML before each `<h2`, as `lesson_parts` splits its Markdown."""
    starts = [m.start() for m in re.finditer(r"<h2[ >]", html)]
    bounds = [0, *starts, len(html)]
    return [html[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def sections(html: str) -> list[tuple[str, str]]:
    """Return each chunk of `split_html` as (its `<h2>` heading, the rest)."""
    out = []
    for chunk in split_html(html):
        end = chunk.find("</h2>") + len("</h2>") if chunk.startswith("<h2") else 0
        out.append((chunk[:end], chunk[end:]))
    return out


def question_text(question: Question, locale: str) -> str:
    """Return what a narrator reads for a question: scenario, question, choices."""
    lines = []
    if question.scenario is not None and question.scenario[locale].strip():
        lines.append(question.scenario[locale].strip())
    lines.append(question.text[locale].strip())
    # Choices are read by number; a narrated question shows them in this order, numbered.
    lines += [
        f"{n}. {c.text[locale].strip()}" for n, c in enumerate(question.choices, 1)
    ]
    return "\n".join(lines)


def question_parts(questions) -> tuple[Part, ...]:
    """Return a quiz's parts: one per question, titled by its number (1, 2, ...)."""
    return tuple(
        Part(
            key=q.key,
            title=Text(km=str(i), en=str(i)),
            text=Text(km=question_text(q, "km"), en=question_text(q, "en")),
        )
        for i, q in enumerate(questions, start=1)
    )
