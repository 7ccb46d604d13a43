"""The checks: rules for lesson bodies, translation state and links between files."""

import re
from pathlib import Path

from curriculum.content.model import Translation
from curriculum.content.parsing import Reader, line_of
from curriculum.content.sections import heading, split_notes, trainee_text

QUESTION_TYPES = ("single", "multiple", "truefalse", "scenario")
QUIZ_KINDS = ("module", "knowledge", "attitude")
CRITERION_KINDS = ("training", "attendance", "manual")
MC_RULES = ("partial", "all-or-nothing")
REVIEW_STATES = ("draft", "reviewed")
# Words a trainee reads (not facilitator notes, not Sources): aim for 400-500.
MIN_EN_WORDS, MAX_EN_WORDS = 250, 600
MAX_NOTES_WORDS = 400
MIN_KM_CHARS = 900
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_MODULE_KEYS = ("modules", "glossary")  # taken by pages under /learn/
RAW_HTML_RE = re.compile(r"<\s*[a-zA-Z!/]")


def check_translation(r: Reader, path: Path, table, current: str) -> Translation:
    """Return a file's translation state, recording errors in its [translation]."""
    if not isinstance(table, dict):
        r.error(path, 1, "missing [translation] table (source_sha256, review)")
        table = {}
    source = str(table.get("source_sha256", ""))
    review = str(table.get("review", ""))
    reviewer = str(table.get("reviewer", ""))
    if source == "pending" or not source:
        r.error(
            path,
            r.where(path, "source_sha256"),
            "source_sha256 is not stamped: run 'flask content stamp'",
        )
    if review not in REVIEW_STATES:
        r.error(path, r.where(path, "review"), "review must be 'draft' or 'reviewed'")
    if review == "reviewed" and not reviewer.strip():
        r.error(path, r.where(path, "reviewer"), "a reviewed file names its reviewer")
    return Translation(source, current, review, reviewer)


def check_body(r: Reader, path: Path, text: str, body: str, locale: str) -> None:
    """Record the errors of one lesson body: HTML, images, sections, length."""
    match = RAW_HTML_RE.search(body)
    if match:
        r.error(
            path,
            line_of(text, body[match.start() : match.start() + 20]),
            "raw HTML is not allowed in lessons",
        )
    if "![" in body:
        r.error(path, line_of(text, "!["), "images are not allowed in lessons")
    _check_headings(r, path, text, body, locale)
    teaching = trainee_text(body, locale)
    if locale == "en":
        words = len(teaching.split())
        if words < MIN_EN_WORDS:
            r.error(path, 1, f"too short: {words} words (at least {MIN_EN_WORDS})")
        elif words > MAX_EN_WORDS:
            r.error(
                path,
                1,
                f"too long: {words} words for trainees (at most {MAX_EN_WORDS}; "
                "move the rest into '## Facilitator notes')",
            )
        notes = len(split_notes(body, locale)[1].split())
        if notes > MAX_NOTES_WORDS:
            r.error(
                path,
                line_of(text, heading(locale, "facilitator_notes")),
                f"facilitator notes too long: {notes} words (at most {MAX_NOTES_WORDS})",
            )
    else:
        chars = len("".join(teaching.split()))
        if chars < MIN_KM_CHARS:
            r.error(path, 1, f"too short: {chars} characters (at least {MIN_KM_CHARS})")


def _check_headings(r: Reader, path: Path, text: str, body: str, locale: str) -> None:
    key_heading = heading(locale, "key_messages")
    notes_heading = heading(locale, "facilitator_notes")
    sources_heading = heading(locale, "sources")
    headings = [ln.strip() for ln in body.split("\n") if ln.startswith("## ")]
    for needed in (key_heading, sources_heading):
        if needed not in headings:
            r.error(path, 1, f"the lesson needs a '{needed}' section")
    if headings and sources_heading in headings and headings[-1] != sources_heading:
        r.error(
            path, line_of(text, sources_heading), "Sources must be the last section"
        )
    if headings.count(notes_heading) > 1:
        r.error(path, line_of(text, notes_heading), f"only one '{notes_heading}'")
    elif notes_heading in headings and key_heading in headings:
        at = headings.index(notes_heading)
        if at == 0 or headings[at - 1] != key_heading:
            r.error(
                path,
                line_of(text, notes_heading),
                f"'{notes_heading}' comes right after '{key_heading}', before Sources",
            )


def cross_check(r: Reader, modules, quizzes, tracks, tracks_path: Path) -> None:
    """Record errors in the links between modules, quizzes and tracks."""
    by_key = {}
    for module in modules:
        path = r.root / module.path
        if module.key in by_key:
            r.error(path, 1, f"duplicate module key {module.key!r}")
        by_key[module.key] = module
    for module in modules:
        path = r.root / module.path
        quiz = quizzes.get(module.quiz_key)
        if quiz is None:
            r.error(path, r.where(path, "quiz"), f"no quiz {module.quiz_key!r}")
        elif quiz.kind != "module" or quiz.module_key != module.key:
            r.error(r.root / quiz.path, 1, f"quiz must say module = {module.key!r}")
        for pre in module.prerequisites:
            if pre not in by_key:
                r.error(
                    path,
                    r.where(path, "prerequisites"),
                    f"unknown prerequisite {pre!r}",
                )
    cycle = find_cycle({m.key: m.prerequisites for m in modules})
    if cycle:
        first = by_key[cycle[0]]
        r.error(r.root / first.path, 1, "prerequisite cycle: " + " -> ".join(cycle))
    for quiz in quizzes.values():
        if quiz.kind == "module" and quiz.module_key not in by_key:
            r.error(r.root / quiz.path, 1, f"unknown module {quiz.module_key!r}")
    _check_tracks(r, by_key, quizzes, tracks, tracks_path)


def _check_tracks(r: Reader, by_key, quizzes, tracks, tracks_path: Path) -> None:
    for track in tracks:
        for mkey in track.required + track.optional:
            if mkey not in by_key:
                r.error(
                    tracks_path,
                    r.where(tracks_path, f'"{mkey}"'),
                    f"track {track.key!r} names unknown module {mkey!r}",
                )
        test = track.knowledge_test
        if test and (test not in quizzes or quizzes[test].kind != "knowledge"):
            r.error(
                tracks_path,
                r.where(tracks_path, f'"{test}"'),
                f"track {track.key!r}: no knowledge test {test!r}",
            )


def find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str] | None:
    """Return one cycle in a prerequisite graph as a list of keys, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None
