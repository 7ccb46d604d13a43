"""Trends by month or quarter: CMG activity, training, and how complete reporting is.

Every series covers the months of the filters' period (the last twelve months when it
has no start), so that a month with nothing shows as zero rather than as a gap.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.models import (
    COUNT_FIELDS,
    CmgMonthlyReport,
    Commune,
    Decision,
    ModuleCompletion,
    User,
    VettingCase,
)
from curriculum.models.progress import Certificate
from curriculum.services.reports.cmg import REACHED
from curriculum.services.reports.filters import Filters, in_place, month_of

LATE_AFTER_DAYS = 10  # a month's report sent after the 10th of the next month is late


def months_of(filters: Filters, today: date) -> list[date]:
    """Return the first day of every month of the period, oldest first."""
    end = (filters.end or today).replace(day=1)
    start = (filters.start or _add_months(end, -11)).replace(day=1)
    months = []
    while start <= end and len(months) < 600:
        months.append(start)
        start = _add_months(start, 1)
    return months


def _add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def quarter_of(month: date) -> str:
    """Return the quarter of a month, like 2008-Q2."""
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Point:
    """One month (2008-06) or quarter (2008-Q2) of a series, with its figures."""

    period: str
    values: dict[str, int]


def _by_step(points: list[tuple[date, dict[str, int]]], step: str) -> list[Point]:
    if step != "quarter":
        return [Point(m.strftime("%Y-%m"), v) for m, v in points]
    merged: dict[str, dict[str, int]] = {}
    for month, values in points:
        target = merged.setdefault(quarter_of(month), defaultdict(int))
        for key, value in values.items():
            target[key] += value
    return [Point(q, dict(v)) for q, v in merged.items()]


def cmg_series(filters: Filters, today: date, step: str = "month") -> list[Point]:
    """Return men counselled, stopped, people reached and reports, by period."""
    months = months_of(filters, today)
    query = (
        select(
            CmgMonthlyReport.month,
            func.count(CmgMonthlyReport.id),
            *(
                func.coalesce(func.sum(getattr(CmgMonthlyReport, f)), 0)
                for f in COUNT_FIELDS
            ),
        )
        .outerjoin(Commune, Commune.id == CmgMonthlyReport.commune_id)
        .where(
            CmgMonthlyReport.month >= months[0], CmgMonthlyReport.month <= months[-1]
        )
        .group_by(CmgMonthlyReport.month)
    )
    if filters.province_id is not None:
        query = query.where(Commune.province_id == filters.province_id)
    if filters.commune_id is not None:
        query = query.where(CmgMonthlyReport.commune_id == filters.commune_id)
    found = {}
    for month, reports, *sums in db.session.execute(query):
        counts = dict(zip(COUNT_FIELDS, sums, strict=True))
        found[month] = {
            "reports": reports,
            "men_counselled": counts["men_counselled"],
            "outcome_stopped": counts["outcome_stopped"],
            "reached": sum(counts[k] for k in REACHED),
        }
    empty = dict.fromkeys(
        ("reports", "men_counselled", "outcome_stopped", "reached"), 0
    )
    return _by_step([(m, found.get(m, empty)) for m in months], step)


def training_series(filters: Filters, today: date, step: str = "month") -> list[Point]:
    """Return new trainees, modules completed and certificates issued, by period."""
    months = months_of(filters, today)
    since = datetime.combine(months[0], time.min, UTC)
    until = datetime.combine(_add_months(months[-1], 1), time.min, UTC)

    # One expression object in SELECT and GROUP BY: PostgreSQL must see the same text.
    def per_month(column, *joins_where) -> dict[str, int]:
        month = month_of(column)
        query = (
            select(month, func.count())
            .select_from(User)
            .where(User.role == "trainee", *in_place(filters), *joins_where)
            .group_by(month)
        )
        return dict(db.session.execute(query).all())

    def per_month_of(model, column) -> dict[str, int]:
        month = month_of(column)
        query = (
            select(month, func.count(model.id))
            .join(User, User.id == model.user_id)
            .where(column >= since, column < until, *in_place(filters))
            .group_by(month)
        )
        return dict(db.session.execute(query).all())

    joined = per_month(
        User.created_at, User.created_at >= since, User.created_at < until
    )
    completed = per_month_of(ModuleCompletion, ModuleCompletion.completed_at)
    certified = per_month_of(Certificate, Certificate.issued_at)
    points = []
    for month in months:
        key = month.strftime("%Y-%m")
        points.append(
            (
                month,
                {
                    "new_trainees": joined.get(key, 0),
                    "completions": completed.get(key, 0),
                    "certificates": certified.get(key, 0),
                },
            )
        )
    return _by_step(points, step)


@dataclass(frozen=True)
class Completeness:
    """One month of CMG reporting: reports expected from members, received, late."""

    month: date
    expected: int
    received: int
    late: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.received, 0)

    @property
    def share_received(self) -> float | None:
        return 100.0 * self.received / self.expected if self.expected else None


def completeness(filters: Filters, today: date) -> list[Completeness]:
    """Return, for each month, the reports expected from active members and received.

    A member is expected to report for every month from the one of his approval on,
    while his case stays approved; his own report sent after the 10th of the next
    month is late (one staff entered for him later is not).
    """
    months = months_of(filters, today)
    approved = (
        select(VettingCase.candidate_id, func.min(Decision.decided_at))
        .join(Decision, Decision.case_id == VettingCase.id)
        .join(User, User.id == VettingCase.candidate_id)
        .where(
            VettingCase.state == "approved",
            Decision.outcome == "approve",
            *in_place(filters),
        )
        .group_by(VettingCase.candidate_id)
    )
    since = {
        member: when.date().replace(day=1)
        for member, when in db.session.execute(approved)
    }
    received: dict[date, int] = defaultdict(int)
    late: dict[date, int] = defaultdict(int)
    if since:
        rows = db.session.execute(
            select(
                CmgMonthlyReport.member_id,
                CmgMonthlyReport.month,
                CmgMonthlyReport.submitted_at,
                CmgMonthlyReport.entered_by_id,
            ).where(
                CmgMonthlyReport.member_id.in_(list(since)),
                CmgMonthlyReport.month >= months[0],
                CmgMonthlyReport.month <= months[-1],
            )
        )
        for member, month, submitted, entered_by in rows:
            if month < since[member]:
                continue  # a month before he was a member is not expected
            received[month] += 1
            due = _add_months(month, 1) + timedelta(days=LATE_AFTER_DAYS)
            # Late is the member's own report sent late, not a paper form typed later.
            if entered_by is None and submitted is not None and submitted.date() >= due:
                late[month] += 1
    out = []
    for month in months:
        expected = sum(1 for start in since.values() if start <= month)
        out.append(Completeness(month, expected, received[month], late[month]))
    return out
