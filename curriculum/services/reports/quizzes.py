"""Quiz figures: pass rates per quiz and item analysis."""

from dataclasses import dataclass

from sqlalchemy import JSON, case, distinct, func, literal, select, type_coerce

from curriculum.content.model import Quiz
from curriculum.extensions import db
from curriculum.models import (
    QuizAttempt,
)
from curriculum.models.summaries import MICRO, ReportCell
from curriculum.services.reports import summary
from curriculum.services.reports.filters import (
    Filters,
    attempts_in,
    in_period,
)
from curriculum.services.summaries import items

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


def _raw_quizzes(filters: Filters, people: bool = True) -> dict:
    """Return quiz -> [attempts, passed, percent sum, people] from the raw rows."""
    query = (
        select(
            QuizAttempt.quiz_key,
            func.count(),
            func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)),
            func.sum(QuizAttempt.percent),
            func.count(distinct(QuizAttempt.user_id)) if people else literal(0),
        )
        .where(*in_period(QuizAttempt.submitted_at, filters))
        .group_by(QuizAttempt.quiz_key)
    )
    query = attempts_in(query, filters)
    return {
        key: [attempts, int(passed or 0), float(total or 0), takers]
        for key, attempts, passed, total, takers in db.session.execute(query)
    }


def _raw_people(filters: Filters) -> dict:
    """Return quiz -> distinct people over the whole period (they do not add up)."""
    query = (
        select(QuizAttempt.quiz_key, func.count(distinct(QuizAttempt.user_id)))
        .where(*in_period(QuizAttempt.submitted_at, filters))
        .group_by(QuizAttempt.quiz_key)
    )
    return dict(db.session.execute(attempts_in(query, filters)).all())


def _cells_quizzes(filters: Filters, months: tuple) -> dict:
    track = summary.track_or_all(filters)
    query = summary.grouped(
        "attempt", filters, months, track, ReportCell.key, values=("n", "hits", "sum_a")
    )
    return {
        key: [n, hits, int(total) / MICRO, 0]
        for key, n, hits, total in db.session.execute(query)
    }


def quiz_summaries(filters: Filters, raw: bool = False) -> list[QuizSummary]:
    """Summarise every quiz's attempts in the period, place and track.

    Attempts, passes and the mean add up over months (cells, the period's edges
    raw); people who attempted do not: over all time they are cells of their own
    ("taker"), over a period they are counted from the raw rows.
    """
    if raw or filters.commune_id is not None:
        sums = _raw_quizzes(filters)
    else:
        months, edges = summary.split(filters)
        sums = _cells_quizzes(filters, months) if months else {}
        for edge in edges:
            for key, values in _raw_quizzes(edge, people=False).items():
                mine = sums.setdefault(key, [0, 0, 0.0, 0])
                sums[key] = [a + b for a, b in zip(mine, values, strict=True)]
        if filters.start or filters.end:
            takers = _raw_people(filters)
        else:
            takers = dict(
                db.session.execute(
                    summary.grouped(
                        "taker",
                        filters,
                        (None, None),
                        summary.track_or_all(filters),
                        ReportCell.key,
                    )
                ).all()
            )
        for key, values in sums.items():
            values[3] = takers.get(key, 0)
    return [
        QuizSummary(key, attempts, people, int(passed), total / attempts)
        for key, (attempts, passed, total, people) in sums.items()
        if attempts
    ]


@dataclass(frozen=True)
class Item:
    """How one question performed: share correct and discrimination."""

    key: str
    share_correct: float  # 0-100
    discrimination: float  # upper 27% minus lower 27% share correct, -1 to 1
    answered: int


def _latest(quiz: Quiz, filters: Filters, column):
    """Return the select of a column of the quiz's latest attempts in the filters."""
    query = (
        select(column)
        .where(
            QuizAttempt.quiz_key == quiz.key,
            *in_period(QuizAttempt.submitted_at, filters),
        )
        .order_by(QuizAttempt.id.desc())
        .limit(ITEM_SAMPLE)
    )
    return attempts_in(query, filters)


def _graded(quiz: Quiz, filters: Filters, raw: bool) -> list[tuple[float, set]]:
    """Return (score, questions right) of the latest attempts, newest first.

    Read from each attempt's stored item grades, in one query that brings the answers
    only of the attempts without current ones (a bulk insert, answers corrected
    since): those are graded here, as is every attempt with `raw`.
    """
    current = items.fingerprint(quiz)
    if raw:
        answers = _latest(quiz, filters, QuizAttempt.answers)
        rows = [(None, a) for a in db.session.scalars(answers)]
    else:
        fresh = QuizAttempt.item_grades["v"].as_string() == current
        rows = db.session.execute(
            _latest(quiz, filters, QuizAttempt.item_grades).add_columns(
                type_coerce(case((fresh, None), else_=QuizAttempt.answers), JSON)
            )
        ).all()
    out = []
    for stored, answers in rows:
        if not items.valid(stored, current):
            stored = items.grades(quiz, answers, current)
        out.append((stored["s"], set(stored["r"])))
    return out


def item_analysis(
    quiz: Quiz, filters: Filters, raw: bool = False
) -> tuple[list[Item], int]:
    """Analyse a quiz's questions over its latest attempts; return items and sample size.

    The latest ITEM_SAMPLE attempts in the filters, by their stored item grades
    (`raw`: every one graded again from its answers, what the tests compare with).
    """
    graded = _graded(quiz, filters, raw)
    n = len(graded)
    if not n:
        return [], 0
    graded.sort(key=lambda g: g[0])
    cut = max(1, round(n * 0.27))
    lower, upper = graded[:cut], graded[-cut:]
    out = []
    for question in quiz.questions:
        key = question.key
        right = sum(1 for _, r in graded if key in r)
        up = sum(1 for _, r in upper if key in r) / len(upper)
        low = sum(1 for _, r in lower if key in r) / len(lower)
        out.append(Item(key, 100.0 * right / n, up - low, n))
    return out, n
