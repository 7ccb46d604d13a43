"""A workshop's report: attendance, module quiz results, pre/post change."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Integer, func, select

from curriculum.content.model import Catalog, Module, Quiz
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    QuizAttempt,
    SurveyResponse,
    User,
    Workshop,
    WorkshopSession,
)
from curriculum.services import audit
from curriculum.services.workshops.paper import measures, workshop_quizzes
from curriculum.services.workshops.roster import Participant, roster


@dataclass(frozen=True)
class SessionFigures:
    """How many came to one session."""

    session: WorkshopSession
    present: int
    enrolled: int

    @property
    def percent(self) -> float:
        """Return the share of the roster present."""
        return 100.0 * self.present / self.enrolled if self.enrolled else 0.0


@dataclass(frozen=True)
class QuizFigures:
    """Results of one module quiz among the participants (best attempt each)."""

    module: Module
    quiz: Quiz
    took: int
    passed: int
    mean_percent: float | None

    @property
    def pass_rate(self) -> float | None:
        """Return the share of those who took the quiz who passed it."""
        return 100.0 * self.passed / self.took if self.took else None


@dataclass(frozen=True)
class ChangeFigures:
    """Pre/post change on one measure among participants who took both (pairs)."""

    instrument: str
    kind: str
    pairs: int
    pre_mean: float | None
    post_mean: float | None

    @property
    def change(self) -> float | None:
        """Return the mean change from before to after."""
        if self.pre_mean is None or self.post_mean is None:
            return None
        return self.post_mean - self.pre_mean


@dataclass(frozen=True)
class ParticipantFigures:
    """One participant's line of the report."""

    person: Participant
    attended: frozenset[int]  # session numbers
    best: dict[str, tuple[float, bool]]  # quiz key -> (best percent, ever passed)
    measures: dict[tuple[str, str], float]  # (instrument, phase) -> value


@dataclass(frozen=True)
class Report:
    """A workshop's figures: attendance, module quizzes, pre/post change."""

    sessions: list[SessionFigures]
    quizzes: list[QuizFigures]
    changes: list[ChangeFigures]
    participants: list[ParticipantFigures]
    instruments: list[tuple[str, str]]  # (instrument, kind)


def measure_value(response: SurveyResponse) -> float | None:
    """Return a response on its report scale: knowledge %, attitude 1-3 per item."""
    if not response.max_score:
        return None
    if response.kind == "attitude":
        return 3.0 * response.score / response.max_score
    return 100.0 * response.score / response.max_score


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def report(workshop: Workshop, catalog: Catalog) -> Report:
    """Compute a workshop's report in a fixed number of queries."""
    people = roster(workshop)
    ids = [p.user.id for p in people]
    sessions = list(workshop.sessions)
    attended: dict[int, set[int]] = defaultdict(set)
    number_of = {s.id: s.number for s in sessions}
    if sessions and ids:
        rows = db.session.execute(
            select(Attendance.session_id, Attendance.user_id).where(
                Attendance.session_id.in_(list(number_of)), Attendance.user_id.in_(ids)
            )
        )
        for session_id, user_id in rows:
            attended[user_id].add(number_of[session_id])
    session_figures = [
        SessionFigures(s, sum(1 for i in ids if s.number in attended[i]), len(ids))
        for s in sessions
    ]

    pairs = workshop_quizzes(workshop, catalog)
    quiz_keys = [quiz.key for _, quiz in pairs]
    best: dict[int, dict[str, tuple[float, bool]]] = defaultdict(dict)
    if quiz_keys and ids:
        rows = db.session.execute(
            select(
                QuizAttempt.user_id,
                QuizAttempt.quiz_key,
                func.max(QuizAttempt.percent),
                func.max(QuizAttempt.passed.cast(Integer)),
            )
            .where(QuizAttempt.user_id.in_(ids), QuizAttempt.quiz_key.in_(quiz_keys))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key)
        )
        for user_id, quiz_key, percent, passed in rows:
            best[user_id][quiz_key] = (float(percent), bool(passed))
    quiz_figures = []
    for module, quiz in pairs:
        results = [best[i][quiz.key] for i in ids if quiz.key in best[i]]
        quiz_figures.append(
            QuizFigures(
                module,
                quiz,
                took=len(results),
                passed=sum(1 for _, ok in results if ok),
                mean_percent=_mean([percent for percent, _ in results]),
            )
        )

    instruments = [(key, kind) for key, kind, _ in measures(workshop, catalog, people)]
    values: dict[int, dict[tuple[str, str], float]] = defaultdict(dict)
    if instruments and ids:
        rows = db.session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.user_id.in_(ids),
                SurveyResponse.instrument.in_([key for key, _ in instruments]),
            )
        )
        for response in rows:
            value = measure_value(response)
            if value is not None:
                values[response.user_id][(response.instrument, response.phase)] = value
    changes = []
    for key, kind in instruments:
        matched = [
            (values[i][(key, "pre")], values[i][(key, "post")])
            for i in ids
            if (key, "pre") in values[i] and (key, "post") in values[i]
        ]
        changes.append(
            ChangeFigures(
                key,
                kind,
                len(matched),
                _mean([pre for pre, _ in matched]),
                _mean([post for _, post in matched]),
            )
        )
    lines = [
        ParticipantFigures(
            p, frozenset(attended[p.user.id]), best[p.user.id], values[p.user.id]
        )
        for p in people
    ]
    return Report(session_figures, quiz_figures, changes, lines, instruments)


def record_export(workshop: Workshop, by: User, what: str) -> None:
    """Audit a download of a workshop's data."""
    audit.record(by, "report.export", "workshop", workshop.id, {"what": what})
    db.session.commit()
