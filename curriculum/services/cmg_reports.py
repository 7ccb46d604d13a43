"""CMG members' monthly reports: counts only, one per member and month, editable."""

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from curriculum.extensions import db
from curriculum.i18n import local_today
from curriculum.khmer import ascii_digits
from curriculum.models import COUNT_FIELDS, CmgMonthlyReport, User
from curriculum.models.base import utcnow
from curriculum.services import audit

OUTCOMES = (
    "outcome_stopped",
    "outcome_reduced",
    "outcome_continuing",
    "outcome_unknown",
)
MONTHS_OPEN = 3  # this month and the two before can still be reported or corrected
# Staff may enter any month from this one on, for the programme's past years.
EARLIEST_MONTH = date(2000, 1, 1)


# Counts so large in one month that they are more likely a typing slip than the truth.
MOST_MEN_IN_A_MONTH = 40
MOST_REACHED_IN_A_MONTH = 2000


REACHED_WAYS = ("reached_campaigns", "reached_leaflets", "reached_house_visits")


def reached_total(values: dict[str, int]) -> int:
    """Return the people reached in every way (campaigns, leaflets, house visits)."""
    return sum(int(values.get(k) or 0) for k in REACHED_WAYS)


def implausible(counts: dict[str, int]) -> list[str]:
    """Return why a month's counts look wrong (they may still be right: ask to confirm).

    Codes: counselled_without_session, outcomes_without_men, many_men, many_reached.
    """
    values = {key: int(counts.get(key) or 0) for key in COUNT_FIELDS}
    reasons = []
    if values["men_counselled"] and not values["sessions_held"]:
        reasons.append("counselled_without_session")
    if sum(values[k] for k in OUTCOMES) and not values["men_counselled"]:
        reasons.append("outcomes_without_men")
    if values["men_counselled"] > MOST_MEN_IN_A_MONTH:
        reasons.append("many_men")
    if reached_total(values) > MOST_REACHED_IN_A_MONTH:
        reasons.append("many_reached")
    return reasons


class ReportError(ValueError):
    """The counts do not add up; `code` says how."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def open_months(today: date | None = None) -> list[date]:
    """Return the first days of the months a member may report, newest first."""
    today = today or local_today()
    months = []
    year, month = today.year, today.month
    for _ in range(MONTHS_OPEN):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def report_for(member: User, month: date) -> CmgMonthlyReport | None:
    """Return a member's report for a month, or None."""
    return db.session.scalar(
        select(CmgMonthlyReport).where(
            CmgMonthlyReport.member_id == member.id, CmgMonthlyReport.month == month
        )
    )


def recent(member: User, limit: int = 12) -> list[CmgMonthlyReport]:
    """Return a member's latest reports, newest first."""
    return list(
        db.session.scalars(
            select(CmgMonthlyReport)
            .options(selectinload(CmgMonthlyReport.entered_by))
            .where(CmgMonthlyReport.member_id == member.id)
            .order_by(CmgMonthlyReport.month.desc())
            .limit(limit)
        )
    )


MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*$")
MONTH_FIRST_RE = re.compile(r"^\s*(\d{1,2})\s*[-/.]\s*(\d{4})\s*$")


def parse_month(text: str | None) -> date | None:
    """Return the first day of a typed month (2009-03, 3/2009, Khmer digits), or None."""
    typed = ascii_digits(text)
    match = MONTH_RE.match(typed)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    else:
        match = MONTH_FIRST_RE.match(typed)
        if not match:
            return None
        month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def first_of_month(value: date) -> date:
    """Return the first day of a date's month."""
    return value.replace(day=1)


def staff_may_enter(month: date, today: date | None = None) -> bool:
    """Return True for a month staff may report for a member: not in the future."""
    today = today or local_today()
    return EARLIEST_MONTH <= month <= first_of_month(today)


def checked_counts(counts: dict) -> dict[str, int]:
    """Return a month's counts as numbers, or raise ReportError when they do not add up."""
    values = {key: int(counts.get(key) or 0) for key in COUNT_FIELDS}
    if any(v < 0 for v in values.values()):
        raise ReportError("negative")
    if sum(values[k] for k in OUTCOMES) > values["men_counselled"]:
        raise ReportError("outcomes_exceed")
    if values["women_reached"] + values["men_reached"] > reached_total(values):
        raise ReportError("sexes_exceed")
    return values


def save_report(
    member: User,
    month: date,
    counts: dict[str, int],
    today: date | None = None,
    by: User | None = None,
    commit: bool = True,
) -> CmgMonthlyReport:
    """Save (or correct) a member's report for a month.

    The member himself may send this month and the two before; staff of his area
    (`by`) may enter or correct any past month on his behalf. A correction keeps the
    old and new counts in the audit log (counts only, never names).
    """
    month = first_of_month(month)
    if by is None and month not in open_months(today):
        raise ReportError("month_closed")
    if by is not None and not staff_may_enter(month, today):
        raise ReportError("month_future")
    values = checked_counts(counts)
    report = report_for(member, month)
    created = report is None
    old = None if created else {key: getattr(report, key) for key in COUNT_FIELDS}
    if created:
        report = CmgMonthlyReport(member_id=member.id, month=month)
        db.session.add(report)
    for key, value in values.items():
        setattr(report, key, value)
    report.commune_id = member.commune_id
    report.submitted_at = utcnow()
    report.entered_by_id = by.id if by is not None else None
    try:
        db.session.flush()
    except IntegrityError:  # sent twice at once: update the one that won
        db.session.rollback()
        if not commit:
            raise  # inside a caller's transaction: the caller decides
        return save_report(member, month, counts, today, by)
    detail = {"month": month.isoformat()}
    if by is not None:
        detail["member"] = member.id
    if old is not None:
        detail["old"], detail["new"] = old, values
    audit.record(
        by or member,
        "cmg_report.save" if created else "cmg_report.correct",
        "cmg_report",
        report.id,
        detail,
    )
    if commit:
        db.session.commit()
    return report
