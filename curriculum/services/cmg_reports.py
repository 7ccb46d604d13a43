"""CMG members' monthly reports: counts only, one per member and month, editable."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from curriculum.extensions import db
from curriculum.i18n import local_today
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


def recent(member: User) -> list[CmgMonthlyReport]:
    """Return a member's last twelve reports, newest first."""
    return list(
        db.session.scalars(
            select(CmgMonthlyReport)
            .where(CmgMonthlyReport.member_id == member.id)
            .order_by(CmgMonthlyReport.month.desc())
            .limit(12)
        )
    )


def save_report(
    member: User, month: date, counts: dict[str, int], today: date | None = None
) -> CmgMonthlyReport:
    """Save (or correct) a member's report for a month."""
    if month not in open_months(today):
        raise ReportError("month_closed")
    values = {key: int(counts.get(key) or 0) for key in COUNT_FIELDS}
    if any(v < 0 for v in values.values()):
        raise ReportError("negative")
    if sum(values[k] for k in OUTCOMES) > values["men_counselled"]:
        raise ReportError("outcomes_exceed")
    report = report_for(member, month)
    created = report is None
    if created:
        report = CmgMonthlyReport(member_id=member.id, month=month)
        db.session.add(report)
    for key, value in values.items():
        setattr(report, key, value)
    report.commune_id = member.commune_id
    report.submitted_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:  # sent twice at once: update the one that won
        db.session.rollback()
        return save_report(member, month, counts, today)
    audit.record(
        member,
        "cmg_report.save" if created else "cmg_report.correct",
        "cmg_report",
        report.id,
    )
    db.session.commit()
    return report
