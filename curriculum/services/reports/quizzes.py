"""Quiz figures: pass rates per quiz and item analysis."""

from dataclasses import dataclass

from sqlalchemy import case, distinct, exists, func, select

from curriculum.content.model import Quiz
from curriculum.extensions import db
from curriculum.models import (
    QuizAttempt,
    User,
    UserTrack,
)
from curriculum.services import grading
from curriculum.services.reports.filters import (
    Filters,
    in_period,
    in_place,
)

ITEM_SAMPLE = 3000  # item analysis reads at most this many recent attempts of a quiz


# -- quizzes -------------------------------------------------------------------------
@dataclass(frozen=True)
class QuizSummary:
    """Attempts, pass rate and mean score of a module quiz."""

    quiz_key: str
    attempts: int
    people: int
    passed: int
    mean: float

    @property
    def pass_rate(self) -> float:
        """Return the share (0-100) of attempts that passed."""
        return 100.0 * self.passed / self.attempts if self.attempts else 0.0


def quiz_summaries(filters: Filters) -> list[QuizSummary]:
    """Summarise every quiz's attempts in the period, place and track (one query)."""
    query = (
        select(
            QuizAttempt.quiz_key,
            func.count(),
            func.count(distinct(QuizAttempt.user_id)),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.avg(QuizAttempt.percent),
        )
        .where(*in_period(QuizAttempt.submitted_at, filters))
        .group_by(QuizAttempt.quiz_key)
    )
    if in_place(filters):
        query = query.join(User, User.id == QuizAttempt.user_id).where(
            *in_place(filters)
        )
    if filters.track:
        query = query.where(
            exists().where(
                UserTrack.user_id == QuizAttempt.user_id,
                UserTrack.track == filters.track,
            )
        )
    return [
        QuizSummary(key, attempts, people, int(passed or 0), float(mean or 0))
        for key, attempts, people, passed, mean in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Item:
    """How one question performed: share correct and discrimination."""

    key: str
    share_correct: float  # 0-100
    discrimination: float  # upper 27% minus lower 27% share correct, -1 to 1
    answered: int


def item_analysis(quiz: Quiz, filters: Filters) -> tuple[list[Item], int]:
    """Analyse a quiz's questions over its latest attempts; return items and sample size."""
    query = (
        select(QuizAttempt.answers)
        .join(User, User.id == QuizAttempt.user_id)
        .where(
            QuizAttempt.quiz_key == quiz.key,
            *in_place(filters),
            *in_period(QuizAttempt.submitted_at, filters),
        )
        .order_by(QuizAttempt.id.desc())
        .limit(ITEM_SAMPLE)
    )
    if filters.track:
        query = query.where(
            exists().where(
                UserTrack.user_id == User.id, UserTrack.track == filters.track
            )
        )
    graded = []
    for answers in db.session.scalars(query):
        result = grading.grade(quiz, answers or {})
        graded.append((result.score, {r.key: r.correct for r in result.questions}))
    n = len(graded)
    if not n:
        return [], 0
    graded.sort(key=lambda g: g[0])
    cut = max(1, round(n * 0.27))
    lower, upper = graded[:cut], graded[-cut:]
    items = []
    for question in quiz.questions:
        right = sum(1 for _, r in graded if r[question.key])
        up = sum(1 for _, r in upper if r[question.key]) / len(upper)
        low = sum(1 for _, r in lower if r[question.key]) / len(lower)
        items.append(Item(question.key, 100.0 * right / n, up - low, n))
    return items, n
