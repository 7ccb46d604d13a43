"""Quiz attempts: shuffling, the attempt policy, idempotent submission, completion."""

import hashlib
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import Catalog, Choice, Question, Quiz
from curriculum.extensions import db
from curriculum.models import ModuleCompletion, QuizAttempt, QuizDraft, User
from curriculum.models.base import utcnow
from curriculum.services import certificates, grading

# The statements of the quiz page and its submission, built once: SQLAlchemy then
# reuses their cache keys and compiled SQL (preparing a statement anew costs more than
# running it on SQLite).
_USED = select(
    func.count(QuizAttempt.id),
    func.max(QuizAttempt.submitted_at),
    func.max(QuizAttempt.passed.cast(db.Integer)),
).where(
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.quiz_key == bindparam("quiz_key"),
)
_BY_TOKEN = select(QuizAttempt).where(
    QuizAttempt.idempotency_key == bindparam("token"),
    QuizAttempt.user_id == bindparam("user_id"),
)
_COMPLETION_ID = select(ModuleCompletion.id).where(
    ModuleCompletion.user_id == bindparam("user_id"),
    ModuleCompletion.module_key == bindparam("module_key"),
)
_DRAFT = select(QuizDraft).where(
    QuizDraft.user_id == bindparam("user_id"),
    QuizDraft.quiz_key == bindparam("quiz_key"),
)


def new_attempt_token() -> str:
    """Return a fresh idempotency key for one sitting of a quiz."""
    return secrets.token_urlsafe(16)


def seed_for(token: str) -> int:
    """Return the shuffle seed recorded for an attempt token (31 bits: a SQL integer)."""
    return int(hashlib.sha256(token.encode()).hexdigest()[:8], 16) >> 1


def shuffled_choices(question: Question, seed: int) -> list[Choice]:
    """Return the question's choices in the order of this attempt (true/false fixed)."""
    choices = list(question.choices)
    if question.type != "truefalse":
        random.Random(f"{seed}:{question.key}").shuffle(choices)  # noqa: S311
    return choices


@dataclass(frozen=True)
class Eligibility:
    """Whether a user may start another attempt, and if not why."""

    allowed: bool
    attempts_used: int
    reason: str | None = None  # "max_attempts" or "wait"
    wait_until: datetime | None = None


def eligibility(user: User, quiz: Quiz, now: datetime | None = None) -> Eligibility:
    """Apply the quiz file's attempt policy to the user's past attempts."""
    now = now or utcnow()
    used, last_at, last_passed = db.session.execute(
        _USED, {"user_id": user.id, "quiz_key": quiz.key}
    ).one()
    if quiz.max_attempts and used >= quiz.max_attempts:
        return Eligibility(False, used, "max_attempts")
    if quiz.wait_minutes and last_at is not None and not last_passed:
        last = last_at if last_at.tzinfo else last_at.replace(tzinfo=now.tzinfo)
        until = last + timedelta(minutes=quiz.wait_minutes)
        if until > now:
            return Eligibility(False, used, "wait", until)
    return Eligibility(True, used)


class AttemptRefused(Exception):  # noqa: N818
    """The attempt policy does not allow another attempt now."""

    def __init__(self, eligibility: Eligibility):
        self.eligibility = eligibility
        super().__init__(eligibility.reason)


def clean_answers(quiz: Quiz, raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keep only answers to this quiz's questions, with keys of their choices."""
    out = {}
    for question in quiz.questions:
        valid = {c.key for c in question.choices}
        picked = sorted({k for k in raw.get(question.key, []) if k in valid})
        if not question.multiple:
            picked = picked[:1]
        out[question.key] = picked
    return out


def submit_attempt(
    user: User,
    quiz: Quiz,
    raw_answers: dict[str, list[str]],
    *,
    token: str,
    locale: str,
    mode: str = "online",
    entered_by: User | None = None,
    catalog: Catalog | None = None,
    enforce_policy: bool = True,
) -> tuple[QuizAttempt, bool]:
    """Grade and save an attempt once; return (attempt, created).

    A second submission with the same token returns the first attempt unchanged. A
    pass completes the module and, with the catalogue given, issues any certificate
    now earned. Paper sheets entered after a workshop skip the attempt policy
    (enforce_policy=False): the sitting already happened.
    """
    existing = _by_token(user, token)
    if existing is not None:
        return existing, False
    if enforce_policy:
        allowed = eligibility(user, quiz)
        if not allowed.allowed:
            raise AttemptRefused(allowed)
    answers = clean_answers(quiz, raw_answers)
    result = grading.grade(quiz, answers)
    attempt = QuizAttempt(
        user_id=user.id,
        quiz_key=quiz.key,
        idempotency_key=token,
        seed=seed_for(token),
        answers=answers,
        points=float(result.score),
        max_points=float(result.max_score),
        percent=result.percent,
        passed=bool(result.passed),
        mode=mode,
        entered_by_id=entered_by.id if entered_by else None,
        content_version=quiz.version,
        locale=locale,
    )
    db.session.add(attempt)
    with _kept_after_commit():
        try:
            db.session.flush()
            if result.passed and quiz.module_key:
                _complete_module(user, quiz.module_key, attempt)
            db.session.execute(
                delete(QuizDraft).where(
                    QuizDraft.user_id == user.id, QuizDraft.quiz_key == quiz.key
                )
            )
            db.session.commit()
        except IntegrityError:
            # A concurrent submission of the same form won the race: its attempt.
            db.session.rollback()
            existing = _by_token(user, token)
            if existing is None:
                raise
            return existing, False
        if result.passed and catalog is not None:
            certificates.issue_due(user, catalog)
    return attempt, True


@contextmanager
def _kept_after_commit():
    """Keep the objects loaded across the commits of a submission.

    By default a commit forgets every loaded object, so the trainee's row, his tracks
    and the new attempt were read again right after it (three more queries on every
    submit), although this request had just loaded or written them.
    """
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


def regrade(
    attempt: QuizAttempt, quiz: Quiz, raw_answers: dict[str, list[str]]
) -> bool:
    """Replace an attempt's answers and grade them again; return True when they changed.

    The module's completion follows the new result: added when the attempt now passes,
    moved to another passed attempt or removed when it no longer does. Nothing is
    committed: the caller audits and commits.
    """
    answers = clean_answers(quiz, raw_answers)
    if answers == attempt.answers:
        return False
    result = grading.grade(quiz, answers)
    attempt.answers = answers
    attempt.points = float(result.score)
    attempt.max_points = float(result.max_score)
    attempt.percent = result.percent
    attempt.passed = bool(result.passed)
    attempt.content_version = quiz.version
    db.session.flush()
    if quiz.module_key:
        _follow_completion(attempt, quiz.module_key)
    return True


def _follow_completion(attempt: QuizAttempt, module_key: str) -> None:
    completion = db.session.scalar(
        select(ModuleCompletion).where(
            ModuleCompletion.user_id == attempt.user_id,
            ModuleCompletion.module_key == module_key,
        )
    )
    if attempt.passed:
        if completion is None:
            db.session.add(
                ModuleCompletion(
                    user_id=attempt.user_id,
                    module_key=module_key,
                    attempt_id=attempt.id,
                )
            )
        return
    if completion is None or completion.attempt_id != attempt.id:
        return
    other = db.session.scalar(
        select(QuizAttempt.id)
        .where(
            QuizAttempt.user_id == attempt.user_id,
            QuizAttempt.quiz_key == attempt.quiz_key,
            QuizAttempt.passed.is_(True),
            QuizAttempt.id != attempt.id,
        )
        .order_by(QuizAttempt.submitted_at)
        .limit(1)
    )
    if other is None:
        db.session.delete(completion)
    else:
        completion.attempt_id = other


def _by_token(user: User, token: str) -> QuizAttempt | None:
    return db.session.scalar(_BY_TOKEN, {"token": token, "user_id": user.id})


def _complete_module(user: User, module_key: str, attempt: QuizAttempt) -> None:
    done = db.session.scalar(
        _COMPLETION_ID, {"user_id": user.id, "module_key": module_key}
    )
    if done is None:
        with db.session.begin_nested():
            db.session.add(
                ModuleCompletion(
                    user_id=user.id, module_key=module_key, attempt_id=attempt.id
                )
            )


def attempt_for(user: User, attempt_id: int) -> QuizAttempt | None:
    """Return one of the user's own attempts, or None."""
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.user_id == user.id
        )
    )


def draft_for(user: User, quiz: Quiz) -> QuizDraft | None:
    """Return the user's saved, unsubmitted answers to a quiz, or None."""
    return db.session.scalar(_DRAFT, {"user_id": user.id, "quiz_key": quiz.key})


def save_draft(user: User, quiz: Quiz, raw_answers: dict, token: str) -> QuizDraft:
    """Keep answers given so far, to finish the quiz later or on another phone."""
    draft = draft_for(user, quiz)
    answers = clean_answers(quiz, raw_answers)
    if draft is None:
        draft = QuizDraft(
            user_id=user.id, quiz_key=quiz.key, token=token, answers=answers
        )
        db.session.add(draft)
    else:
        draft.token, draft.answers, draft.saved_at = token, answers, utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # saved twice at once: the other save stands
        db.session.rollback()
        draft = draft_for(user, quiz)
    return draft
