"""Progress: lessons read, module states along a learning path."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import Catalog, Lesson, Module
from curriculum.extensions import db
from curriculum.models import LessonView, ModuleCompletion, QuizAttempt, User
from curriculum.models.base import utcnow

NOT_STARTED, IN_PROGRESS, PASSED, LOCKED = "not_started", "in_progress", "passed", "locked"


def record_lesson_view(user: User, lesson: Lesson, locale: str) -> None:
    """Remember that the user opened a lesson (once per lesson, latest time kept)."""
    view = db.session.scalar(
        select(LessonView).where(
            LessonView.user_id == user.id,
            LessonView.module_key == lesson.module_key,
            LessonView.lesson_key == lesson.key,
        )
    )
    if view is None:
        db.session.add(
            LessonView(
                user_id=user.id,
                module_key=lesson.module_key,
                lesson_key=lesson.key,
                locale=locale,
                content_version=lesson.version,
            )
        )
    else:
        view.last_at, view.locale, view.content_version = utcnow(), locale, lesson.version
    try:
        db.session.commit()
    except IntegrityError:  # the same lesson opened twice at once
        db.session.rollback()


def completed_modules(user_id: int) -> set[str]:
    """Return the keys of the modules a user has passed."""
    return set(
        db.session.scalars(
            select(ModuleCompletion.module_key).where(ModuleCompletion.user_id == user_id)
        )
    )


@dataclass(frozen=True)
class ModuleState:
    """One module on a trainee's path and how far the trainee is."""

    module: Module
    required: bool
    state: str
    lessons_read: int
    attempts: int
    missing_prerequisites: tuple[str, ...]


def path_for(user: User, catalog: Catalog) -> list[ModuleState]:
    """Return the modules of the user's tracks with their states, in a fixed 3 queries."""
    modules = catalog.modules_for_tracks(user.tracks)
    done = completed_modules(user.id)
    read = dict(
        db.session.execute(
            select(LessonView.module_key, func.count(LessonView.id))
            .where(LessonView.user_id == user.id)
            .group_by(LessonView.module_key)
        ).all()
    )
    attempts = dict(
        db.session.execute(
            select(QuizAttempt.quiz_key, func.count(QuizAttempt.id))
            .where(QuizAttempt.user_id == user.id)
            .group_by(QuizAttempt.quiz_key)
        ).all()
    )
    states = []
    for module, required in modules:
        missing = tuple(p for p in module.prerequisites if p not in done)
        n_read = read.get(module.key, 0)
        n_attempts = attempts.get(module.quiz_key, 0)
        if module.key in done:
            state = PASSED
        elif missing:
            state = LOCKED
        elif n_read or n_attempts:
            state = IN_PROGRESS
        else:
            state = NOT_STARTED
        states.append(ModuleState(module, required, state, n_read, n_attempts, missing))
    return states
