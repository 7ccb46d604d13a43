"""Grading: a pure function of (quiz, answers)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from curriculum.content.model import AttitudeSurvey, Question, Quiz


@dataclass(frozen=True)
class QuestionResult:
    """How one question was answered and what it scored."""

    key: str
    given: tuple[str, ...]
    score: Fraction
    points: Fraction

    @property
    def correct(self) -> bool:
        """Return True when the question earned full points."""
        return self.score == self.points


@dataclass(frozen=True)
class Grade:
    """The result of a whole quiz."""

    score: Fraction
    max_score: Fraction
    passed: bool | None  # None for quizzes that are never pass/fail
    questions: tuple[QuestionResult, ...]

    @property
    def percent(self) -> float:
        """Return the score as a percentage of the maximum."""
        return float(self.score * 100 / self.max_score) if self.max_score else 0.0


@cache
def _fraction(points: float) -> Fraction:
    return Fraction(points).limit_denominator(1000)


def _points(question: Question) -> Fraction:
    return _fraction(question.points)


_ZERO = Fraction(0)


def score_question(
    question: Question, given: Iterable[str], rule: str
) -> QuestionResult:
    """Score one question; unknown choice keys count as wrong picks."""
    picked = tuple(sorted(set(given)))
    points = _points(question)
    valid = {c.key for c in question.choices}
    if question.type == "multiple":
        if rule == "all-or-nothing":
            score = points if set(picked) == question.correct else Fraction(0)
        else:
            right = sum(1 for k in picked if k in question.correct)
            wrong = sum(
                1 for k in picked if k not in question.correct or k not in valid
            )
            fraction = Fraction(max(right - wrong, 0), len(question.correct))
            score = points * fraction
    else:
        score = points if len(picked) == 1 and picked[0] in question.correct else _ZERO
    return QuestionResult(question.key, picked, score, points)


def grade(quiz: Quiz, answers: Mapping[str, Iterable[str]]) -> Grade:
    """Grade answers ({question key: chosen choice keys}) against a quiz."""
    results = tuple(
        score_question(q, answers.get(q.key, ()), quiz.multiple_choice)
        for q in quiz.questions
    )
    score = sum((r.score for r in results), Fraction(0))
    max_score = sum((r.points for r in results), Fraction(0))
    passed = None
    if quiz.pass_mark is not None:
        # Exact arithmetic: 7 of 10 at a 70% pass mark passes, 6.99 does not.
        passed = score * 100 >= quiz.pass_mark * max_score
    return Grade(score, max_score, passed, results)


ATTITUDE_POINTS = {"agree": 1, "partly": 2, "disagree": 3}


def attitude_item_score(reverse: bool, answer: str | None) -> int | None:
    """Score one statement 1-3, higher = more gender-equitable; None if unanswered."""
    points = ATTITUDE_POINTS.get(answer or "")
    if points is None:
        return None
    return 4 - points if reverse else points


def score_attitude(
    survey: AttitudeSurvey, answers: Mapping[str, str]
) -> tuple[int, int]:
    """Return (score, maximum) of an attitude survey; unanswered items are left out."""
    scores = [
        attitude_item_score(item.reverse, answers.get(item.key))
        for item in survey.items
    ]
    answered = [s for s in scores if s is not None]
    return sum(answered), 3 * len(answered)
