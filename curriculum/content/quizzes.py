"""Loading quizzes/: module quizzes, knowledge tests and the attitude survey."""

from pathlib import Path

from curriculum.content.model import (
    AttitudeItem,
    AttitudeSurvey,
    Choice,
    Question,
    Quiz,
)
from curriculum.content.parsing import Reader
from curriculum.content.stamping import english_hash
from curriculum.content.validation import (
    KEY_RE,
    MC_RULES,
    QUESTION_TYPES,
    QUIZ_KINDS,
    check_translation,
)


def _choices(r: Reader, path: Path, item: dict, line: int) -> list[Choice]:
    key = str(item.get("key", ""))
    anchor = f'key = "{key}"'
    choices: list[Choice] = []
    for choice in item.get("choices", []):
        ckey = str(choice.get("key", ""))
        if not ckey or ckey in {c.key for c in choices}:
            r.error(path, line, f"question {key}: missing or repeated choice key")
            continue
        choices.append(
            Choice(
                ckey,
                r.text(path, choice, "text", anchor),
                r.text(path, choice, "explanation", anchor),
            )
        )
    return choices


def _correct(r: Reader, path: Path, item: dict, line: int, choice_keys) -> list:
    key = str(item.get("key", ""))
    correct = item.get("correct", [])
    if isinstance(correct, str):
        correct = [correct]
    if not isinstance(correct, list) or not correct:
        r.error(path, line, f"question {key}: no correct answer")
        correct = []
    for ckey in correct:
        if ckey not in choice_keys:
            r.error(path, line, f"question {key}: correct key {ckey!r} is not a choice")
    return correct


def load_question(r: Reader, path: Path, item: dict, seen: set) -> Question | None:
    """Return one question of a quiz file, or None when it cannot be read."""
    key = str(item.get("key", ""))
    anchor = f'key = "{key}"'
    line = r.where(path, anchor)
    if not KEY_RE.match(key):
        r.error(path, line, f"bad question key {key!r}")
        return None
    if key in seen:
        r.error(path, line, f"duplicate question key {key!r}")
    seen.add(key)
    qtype = item.get("type")
    if qtype not in QUESTION_TYPES:
        r.error(path, line, f"question {key}: type must be one of {QUESTION_TYPES}")
        return None
    points = item.get("points", 1)
    if not isinstance(points, int | float) or points <= 0:
        r.error(path, line, f"question {key}: points must be above zero")
        points = 1
    choices = _choices(r, path, item, line)
    choice_keys = {c.key for c in choices}
    if len(choices) < 2:
        r.error(path, line, f"question {key}: needs at least two choices")
    if qtype == "truefalse" and choice_keys != {"true", "false"}:
        r.error(path, line, f"question {key}: true/false choices are true, false")
    correct = _correct(r, path, item, line, choice_keys)
    if qtype != "multiple" and len(correct) > 1:
        r.error(path, line, f"question {key}: {qtype} has exactly one answer")
    scenario = None
    if qtype == "scenario":
        scenario = r.text(path, item, "scenario", anchor)
    return Question(
        key=key,
        type=qtype,
        points=float(points),
        correct=frozenset(str(c) for c in correct),
        text=r.text(path, item, "text", anchor),
        scenario=scenario,
        choices=tuple(choices),
    )


def load_quiz(r: Reader, path: Path, doc: dict) -> Quiz | None:
    """Return a module quiz or knowledge test, or None for an unknown kind."""
    key = str(doc.get("key", ""))
    kind = doc.get("kind", "module")
    if kind not in ("module", "knowledge"):
        r.error(path, r.where(path, "kind"), f"kind must be one of {QUIZ_KINDS}")
        return None
    pass_mark = doc.get("pass_mark")
    if kind == "module" and (
        not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100
    ):
        r.error(path, r.where(path, "pass_mark"), "pass_mark is 1-100 (percent)")
        pass_mark = 100
    max_attempts = doc.get("max_attempts", 0)
    wait = doc.get("wait_minutes", 0)
    for name, value in (("max_attempts", max_attempts), ("wait_minutes", wait)):
        if not isinstance(value, int) or value < 0:
            r.error(path, r.where(path, name), f"{name} is a whole number >= 0")
    rule = doc.get("multiple_choice", "partial")
    if rule not in MC_RULES:
        r.error(path, r.where(path, "multiple_choice"), f"use one of {MC_RULES}")
    seen: set[str] = set()
    questions = [
        q
        for q in (
            load_question(r, path, item, seen) for item in doc.get("questions", [])
        )
        if q is not None
    ]
    if not questions:
        r.error(path, 1, "the quiz has no questions")
    version = english_hash(doc)
    return Quiz(
        key=key,
        kind=kind,
        module_key=doc.get("module") if kind == "module" else None,
        track=doc.get("track") if kind == "knowledge" else None,
        pass_mark=pass_mark if kind == "module" else None,
        max_attempts=max_attempts if isinstance(max_attempts, int) else 0,
        wait_minutes=wait if isinstance(wait, int) else 0,
        multiple_choice=rule if rule in MC_RULES else "partial",
        questions=tuple(questions),
        version=version,
        translation=check_translation(r, path, doc.get("translation"), version),
        path=r.rel(path),
    )


def load_attitude(r: Reader, path: Path, doc: dict) -> AttitudeSurvey:
    """Return the attitude survey."""
    scale = []
    for item in doc.get("scale", []):
        scale.append(
            (str(item.get("key", "")), r.text(path, item, "text", "[[scale]]"))
        )
    if len(scale) != 3:
        r.error(path, r.where(path, "[[scale]]"), "the scale has three points")
    items = []
    for item in doc.get("items", []):
        key = str(item.get("key", ""))
        anchor = f'key = "{key}"'
        if not isinstance(item.get("reverse"), bool):
            r.error(path, r.where(path, anchor), f"item {key}: reverse is true/false")
        items.append(
            AttitudeItem(
                key,
                bool(item.get("reverse")),
                r.text(path, item, "text", anchor),
            )
        )
    if not items:
        r.error(path, 1, "the survey has no items")
    version = english_hash(doc)
    return AttitudeSurvey(
        key=str(doc.get("key", "")),
        direction=r.text(path, doc, "direction", "direction"),
        scale=tuple(scale),
        items=tuple(items),
        version=version,
        translation=check_translation(r, path, doc.get("translation"), version),
        path=r.rel(path),
    )
