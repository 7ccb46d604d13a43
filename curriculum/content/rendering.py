"""Lesson Markdown to HTML, once at load, with glossary links resolved."""

import re
import xml.etree.ElementTree as ET  # noqa: S405 - builds trees from our own Markdown
from collections.abc import Callable

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from curriculum.content.sections import MODEL_ANSWER_TITLES

GLOSSARY_SCHEME = "glossary:"
_LIST_ITEM = re.compile(r"^([-*+]|\d+\.)\s")


def _loosen_lists(body: str) -> str:
    """Put a blank line before a list that starts right under a paragraph line.

    Writers type "**You must:**" and the list on the next line, as most editors allow;
    Python-Markdown would run such a list into the paragraph.
    """
    lines = body.split("\n")
    out = lines[:1]
    for before, line in zip(lines, lines[1:], strict=False):
        glued = before.strip() and not before.startswith((" ", "\t", "#", ">"))
        if glued and _LIST_ITEM.match(line) and not _LIST_ITEM.match(before):
            out.append("")
        out.append(line)
    return "\n".join(out)


class _GlossaryLinks(Treeprocessor):
    def __init__(self, md, term_url: Callable[[str], str], found: list[str]):
        super().__init__(md)
        self.term_url = term_url
        self.found = found

    def run(self, root: ET.Element) -> None:
        for link in root.iter("a"):
            href = link.get("href", "")
            if href.startswith(GLOSSARY_SCHEME):
                key = href[len(GLOSSARY_SCHEME) :]
                self.found.append(key)
                link.set("href", self.term_url(key))
                link.set("class", "term")
            elif href.startswith(("http://", "https://")):
                link.set("rel", "noopener noreferrer")


class _FoldedAnswers(Treeprocessor):
    """Fold each "Model answers" heading and what follows it into <details>.

    A reader studying alone opens the answers after thinking; no script is needed.
    """

    def run(self, root: ET.Element) -> None:
        children = list(root)
        i = 0
        while i < len(children):
            child = children[i]
            title = "".join(child.itertext()).strip()
            if child.tag != "h3" or title not in MODEL_ANSWER_TITLES:
                i += 1
                continue
            end = i + 1
            while end < len(children) and children[end].tag not in ("h2", "h3"):
                end += 1
            details = ET.Element("details", {"class": "model-answers"})
            summary = ET.SubElement(details, "summary")
            summary.text = title
            position = list(root).index(child)
            for moved in children[i + 1 : end]:
                root.remove(moved)
                details.append(moved)
            root.remove(child)
            root.insert(position, details)
            i = end


class _GlossaryExtension(Extension):
    def __init__(self, term_url: Callable[[str], str], found: list[str]):
        super().__init__()
        self.term_url = term_url
        self.found = found

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API name
        md.treeprocessors.register(
            _GlossaryLinks(md, self.term_url, self.found), "glossary_links", 5
        )
        md.treeprocessors.register(_FoldedAnswers(md), "folded_answers", 4)


def render_lesson(body: str, term_url: Callable[[str], str]) -> tuple[str, list[str]]:
    """Return the HTML of a lesson body and the glossary keys it links to."""
    found: list[str] = []
    md = markdown.Markdown(
        extensions=[_GlossaryExtension(term_url, found), "sane_lists"],
        output_format="html",
    )
    html = md.convert(_loosen_lists(body))
    return html, found
