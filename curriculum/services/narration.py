"""Recorded narration: who records which part, its review, and what trainees hear.

A target names one part: `lesson:<module>/<lesson>#<part>` or `quiz:<quiz>#<question>`
(content/parts.py lists the parts). A recording is kept with the hash of the text it
reads; trainees hear it once approved and while that text is unchanged. A reviewer's
Khmer correction changes the text, so the recording then shows as stale to narrators
and is no longer played until it is recorded again.
"""

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from curriculum.content import catalog
from curriculum.content.model import LOCALES, Lesson, Module, Quiz
from curriculum.content.parts import Part, question_parts
from curriculum.extensions import db
from curriculum.models import Narration, User
from curriculum.models.base import utcnow
from curriculum.permissions import can_approve_narration, can_narrate
from curriculum.services import audio, audit


class NarrationError(ValueError):
    """A recording or a review that cannot be saved; `code` names the reason."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


def lesson_target(module_key: str, lesson_key: str, part_key: str) -> str:
    """Return the target of a lesson's part."""
    return f"lesson:{module_key}/{lesson_key}#{part_key}"


def quiz_target(quiz_key: str, question_key: str) -> str:
    """Return the target of a quiz question."""
    return f"quiz:{quiz_key}#{question_key}"


def quiz_parts(quiz: Quiz) -> tuple[Part, ...]:
    """Return the parts of a quiz: its questions."""
    return question_parts(quiz.questions)


def targets_of_lesson(module: Module, lesson: Lesson) -> dict[str, Part]:
    """Return {target: part} for a lesson."""
    return {lesson_target(module.key, lesson.key, p.key): p for p in lesson.parts}


def targets_of_quiz(quiz: Quiz) -> dict[str, Part]:
    """Return {target: part} for a quiz."""
    return {quiz_target(quiz.key, p.key): p for p in quiz_parts(quiz)}


def part_of(target: str) -> Part | None:
    """Return the part a target names in the current curriculum, or None."""
    kind, _, rest = target.partition(":")
    where, _, key = rest.partition("#")
    if kind == "lesson" and "/" in where:
        module_key, lesson_key = where.split("/", 1)
        module = catalog().module(module_key)
        lesson = module.lesson(lesson_key) if module else None
        parts = lesson.parts if lesson else ()
    elif kind == "quiz":
        quiz = catalog().quiz(where)
        parts = quiz_parts(quiz) if quiz else ()
    else:
        return None
    return next((p for p in parts if p.key == key), None)


def recordings(targets, locale: str | None = None) -> dict[tuple[str, str], Narration]:
    """Return {(target, locale): recording} for these targets, in one query."""
    targets = list(targets)
    if not targets:
        return {}
    query = select(Narration).where(Narration.target.in_(targets))
    if locale is not None:
        query = query.where(Narration.locale == locale)
    return {(n.target, n.locale): n for n in db.session.scalars(query)}


def is_fresh(narration: Narration, part: Part) -> bool:
    """Return True while the text a recording reads is unchanged."""
    return narration.text_hash == part.text_hash(narration.locale)


@dataclass(frozen=True)
class Heard:
    """What a trainee's page needs of an approved recording."""

    target: str
    locale: str
    text_hash: str
    sha256: str
    mime: str
    size: int
    duration_ms: int


def approved() -> dict[tuple[str, str], Heard]:
    """Return every approved recording by (target, locale), kept by each worker.

    Trainees' pages ask on every request; the list (a few hundred rows at most) is read
    again at most every CONTENT_CHECK_SECONDS, as the catalogue checks for corrections,
    so a lesson page costs no query for it.
    """
    state = current_app.extensions.setdefault("narrations", {"at": None, "rows": {}})
    now = time.monotonic()
    wait = current_app.config["CONTENT_CHECK_SECONDS"]
    if state["at"] is None or now - state["at"] >= wait:
        rows = db.session.execute(
            select(
                Narration.target,
                Narration.locale,
                Narration.text_hash,
                Narration.sha256,
                Narration.mime,
                Narration.size,
                Narration.duration_ms,
            ).where(Narration.state == "approved")
        )
        state["rows"] = {(r.target, r.locale): Heard(*r) for r in rows}
        state["at"] = now
    return state["rows"]


def forget_approved() -> None:
    """Make this worker read the approved recordings again (after its own change)."""
    current_app.extensions.get("narrations", {})["at"] = None


def playable(parts: dict[str, Part], locale: str) -> dict[str, Heard]:
    """Return {part key: recording} that trainees hear: approved and fresh."""
    found = approved()
    out = {}
    for target, part in parts.items():
        heard = found.get((target, locale))
        if heard is not None and heard.text_hash == part.text_hash(locale):
            out[part.key] = heard
    return out


def for_lesson(module: Module, lesson: Lesson, locale: str) -> dict[str, Heard]:
    """Return what a trainee hears on a lesson page, by part key."""
    return playable(targets_of_lesson(module, lesson), locale) if lesson.parts else {}


def for_quiz(quiz: Quiz, locale: str) -> dict[str, Heard]:
    """Return what a trainee hears on a quiz page, by question key."""
    return playable(targets_of_quiz(quiz), locale)


def record(
    user: User, target: str, locale: str, seen_hash: str, data: bytes
) -> Narration:
    """Keep a new recording of a part, replacing the one before; NarrationError if not.

    `seen_hash` is the hash of the text the narrator read: if the text changed since
    the page was opened, the recording is refused rather than kept against new text.
    """
    if not can_narrate(user):
        raise NarrationError("forbidden")
    part = part_of(target)
    if part is None or locale not in LOCALES:
        raise NarrationError("unknown_part")
    if seen_hash != part.text_hash(locale):
        raise NarrationError("text_changed")
    try:
        prepared = audio.prepare(data)
    except audio.AudioError as refused:
        raise NarrationError(refused.code, **refused.values) from refused
    audio.store(prepared)
    narration = db.session.scalar(
        select(Narration).where(Narration.target == target, Narration.locale == locale)
    )
    before = narration.sha256 if narration else None
    if narration is None:
        narration = Narration(target=target, locale=locale)
        db.session.add(narration)
    narration.text_hash = part.text_hash(locale)
    narration.sha256 = prepared.sha256
    narration.mime = prepared.mime
    narration.size = prepared.size
    narration.duration_ms = prepared.duration_ms
    narration.state = "pending"
    narration.recorded_by_id = user.id
    narration.recorded_at = utcnow()
    narration.reviewed_by_id = None
    narration.reviewed_at = None
    audit.record(
        user,
        "narration.record",
        "narration",
        target,
        {"locale": locale, "bytes": prepared.size, "ms": prepared.duration_ms},
    )
    db.session.commit()
    forget_approved()
    _forget_file(before)
    return narration


def review(user: User, narration: Narration, approve: bool) -> Narration:
    """Approve a recording (trainees then hear it) or send it back to be re-recorded."""
    if not can_approve_narration(user, narration.recorded_by_id):
        raise NarrationError("own_recording" if can_narrate(user) else "forbidden")
    part = part_of(narration.target)
    if approve and (part is None or not is_fresh(narration, part)):
        raise NarrationError("stale")
    narration.state = "approved" if approve else "rejected"
    narration.reviewed_by_id = user.id
    narration.reviewed_at = utcnow()
    audit.record(
        user,
        "narration.approve" if approve else "narration.reject",
        "narration",
        narration.target,
        {"locale": narration.locale},
    )
    db.session.commit()
    forget_approved()
    return narration


def delete(user: User, narration: Narration) -> None:
    """Remove a recording (its file too, when nothing else uses it)."""
    if not can_narrate(user):
        raise NarrationError("forbidden")
    sha = narration.sha256
    audit.record(
        user,
        "narration.delete",
        "narration",
        narration.target,
        {"locale": narration.locale},
    )
    db.session.delete(narration)
    db.session.commit()
    forget_approved()
    _forget_file(sha)


def _forget_file(sha256: str | None) -> None:
    """Delete an audio file once no recording refers to it."""
    if sha256 is None:
        return
    used = db.session.scalar(select(Narration.id).where(Narration.sha256 == sha256))
    if used is None:
        audio.remove(sha256)


def heard(sha256: str) -> Narration | None:
    """Return a recording with this file, approved first (who may fetch it depends)."""
    rows = db.session.scalars(select(Narration).where(Narration.sha256 == sha256))
    return min(rows, key=lambda n: n.state != "approved", default=None)


@dataclass
class Coverage:
    """How much of a module is narrated in one language."""

    total: int = 0
    approved: int = 0  # approved and fresh: what trainees hear
    pending: int = 0  # waiting for a second listener
    stale: int = 0  # the text changed after recording
    rejected: int = 0


def module_targets(module: Module) -> dict[str, Part]:
    """Return {target: part} for a module's lessons and its quiz."""
    targets: dict[str, Part] = {}
    for lesson in module.lessons:
        targets.update(targets_of_lesson(module, lesson))
    quiz = catalog().quiz(module.quiz_key)
    if quiz is not None:
        targets.update(targets_of_quiz(quiz))
    return targets


def coverage(modules, locale: str) -> dict[str, Coverage]:
    """Return {module key: Coverage} in one query for all the modules' recordings."""
    by_module = {m.key: module_targets(m) for m in modules}
    found = recordings([t for ts in by_module.values() for t in ts], locale)
    out = {}
    for key, targets in by_module.items():
        cov = Coverage(total=len(targets))
        for target, part in targets.items():
            narration = found.get((target, locale))
            if narration is None:
                continue
            if not is_fresh(narration, part):
                cov.stale += 1
            elif narration.state == "approved":
                cov.approved += 1
            elif narration.state == "pending":
                cov.pending += 1
            else:
                cov.rejected += 1
        out[key] = cov
    return out


def module_audio(module: Module, locale: str) -> list[Heard]:
    """Return the recordings a trainee hears in a module (to save it offline)."""
    found = approved()
    return [
        heard
        for target, part in module_targets(module).items()
        if (heard := found.get((target, locale))) is not None
        and heard.text_hash == part.text_hash(locale)
    ]
