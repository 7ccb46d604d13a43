"""Progress: lessons read, module states along a learning path."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import Catalog, Lesson, Module
from curriculum.extensions import db
from curriculum.models import LessonView, ModuleCompletion, QuizAttempt, QuizDraft, User
from curriculum.models.base import utcnow

NOT_STARTED, IN_PROGRESS, PASSED, LOCKED = (
    "not_started",
    "in_progress",
    "passed",
    "locked",
)
# A lesson opened again within this time is not written again: every write on SQLite
# waits for the others, and "continue where you left off" needs no finer grain.
REVIEW_WRITE_GAP = timedelta(minutes=10)

# The statements of the trainee's pages, built once: SQLAlchemy then reuses their cache
# keys and compiled SQL. A statement built on each call costs more to prepare than the
# query takes on SQLite (about 0.1 ms each, several times a page).
_LESSON_VIEW = select(LessonView).where(
    LessonView.user_id == bindparam("user_id"),
    LessonView.module_key == bindparam("module_key"),
    LessonView.lesson_key == bindparam("lesson_key"),
)
_COMPLETED = select(ModuleCompletion.module_key).where(
    ModuleCompletion.user_id == bindparam("user_id")
)
_READ_PER_MODULE = (
    select(LessonView.module_key, func.count(LessonView.id))
    .where(LessonView.user_id == bindparam("user_id"))
    .group_by(LessonView.module_key)
)
_ATTEMPTS_PER_QUIZ = (
    select(QuizAttempt.quiz_key, func.count(QuizAttempt.id))
    .where(QuizAttempt.user_id == bindparam("user_id"))
    .group_by(QuizAttempt.quiz_key)
)
_LATEST_VIEW = (
    select(LessonView.module_key, LessonView.lesson_key, LessonView.last_at)
    .where(
        LessonView.user_id == bindparam("user_id"),
        LessonView.module_key.in_(bindparam("modules", expanding=True)),
    )
    .order_by(LessonView.last_at.desc())
    .limit(1)
)
_LATEST_DRAFT = (
    select(QuizDraft.quiz_key, QuizDraft.saved_at)
    .where(QuizDraft.user_id == bindparam("user_id"))
    .order_by(QuizDraft.saved_at.desc())
    .limit(1)
)


def record_lesson_view(user: User, lesson: Lesson, locale: str) -> None:
    """Remember that the user opened a lesson (once per lesson, latest time kept)."""
    view = db.session.scalar(
        _LESSON_VIEW,
        {"user_id": user.id, "module_key": lesson.module_key, "lesson_key": lesson.key},
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
    elif utcnow() - view.last_at < REVIEW_WRITE_GAP and view.locale == locale:
        return  # read again within minutes: nothing worth a write
    else:
        view.last_at, view.locale, view.content_version = (
            utcnow(),
            locale,
            lesson.version,
        )
    try:
        db.session.commit()
    except IntegrityError:  # the same lesson opened twice at once
        db.session.rollback()


def completed_modules(user_id: int) -> set[str]:
    """Return the keys of the modules a user has passed."""
    return set(db.session.scalars(_COMPLETED, {"user_id": user_id}))


def unmet(module: Module, done: set[str]) -> tuple[str, ...]:
    """Return a module's prerequisites not among the passed modules, in order."""
    return tuple(key for key in module.prerequisites if key not in done)


def missing_prerequisites(user: User, module: Module) -> tuple[str, ...]:
    """Return the prerequisites of a module the user has not passed yet, in order."""
    return unmet(module, completed_modules(user.id)) if module.prerequisites else ()


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
    read = dict(db.session.execute(_READ_PER_MODULE, {"user_id": user.id}).all())
    attempts = dict(db.session.execute(_ATTEMPTS_PER_QUIZ, {"user_id": user.id}).all())
    states = []
    for module, required in modules:
        missing = unmet(module, done)
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


@dataclass(frozen=True)
class ResumePoint:
    """Where the trainee left off: a lesson to read next or a quiz to finish."""

    module: Module
    lesson: Lesson | None  # None: the module's quiz


def resume_point(
    user: User, catalog: Catalog, path: list[ModuleState]
) -> ResumePoint | None:
    """Return the next step after the trainee's latest activity on an unfinished module."""
    open_modules = {s.module.key for s in path if s.state in (IN_PROGRESS, NOT_STARTED)}
    latest_view = db.session.execute(
        _LATEST_VIEW, {"user_id": user.id, "modules": sorted(open_modules)}
    ).first()
    latest_draft = db.session.execute(_LATEST_DRAFT, {"user_id": user.id}).first()
    if latest_draft and (
        latest_view is None or latest_draft.saved_at >= latest_view.last_at
    ):
        quiz = catalog.quiz(latest_draft.quiz_key)
        module = catalog.module(quiz.module_key) if quiz and quiz.module_key else None
        if module is not None and module.key in open_modules:
            return ResumePoint(module, None)
    if latest_view is not None:
        module = catalog.module(latest_view.module_key)
        lesson = module.lesson(latest_view.lesson_key) if module else None
        if module is not None and lesson is not None:
            index = module.lessons.index(lesson)
            following = (
                module.lessons[index + 1] if index + 1 < len(module.lessons) else None
            )
            return ResumePoint(module, following)
    first_open = next((s for s in path if s.state == NOT_STARTED and s.required), None)
    if first_open is not None:
        return ResumePoint(first_open.module, first_open.module.lessons[0])
    return None
