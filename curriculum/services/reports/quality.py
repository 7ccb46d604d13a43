"""Data quality for programme staff: what to check before a figure goes to a donor.

Months whose counts look implausible, people who may be entered twice, before-tests
with no after-test (still counted as a before-test), and the corrections made. Each list
is bounded; each stays inside the staff member's scope (the filters are scoped).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from curriculum.extensions import db
from curriculum.khmer import name_key
from curriculum.models import (
    COUNT_FIELDS,
    AuditEvent,
    CmgMonthlyReport,
    Commune,
    SurveyResponse,
    User,
)
from curriculum.services.cmg_reports import implausible
from curriculum.services.reports.filters import Filters, in_months, in_period, in_place

SHOWN = 100  # rows of each list on the page


@dataclass(frozen=True)
class OddMonth:
    """A member's month whose counts may be a typing slip."""

    member: User
    month: date
    reasons: list[str]


def implausible_months(filters: Filters) -> list[OddMonth]:
    """Return the months of the period whose counts break a plausibility rule."""
    query = (
        select(CmgMonthlyReport, User)
        .join(User, User.id == CmgMonthlyReport.member_id)
        .outerjoin(Commune, Commune.id == CmgMonthlyReport.commune_id)
        .where(*in_months(filters))
        .order_by(CmgMonthlyReport.month.desc(), CmgMonthlyReport.id)
    )
    if filters.province_id is not None:
        query = query.where(Commune.province_id == filters.province_id)
    if filters.commune_id is not None:
        query = query.where(CmgMonthlyReport.commune_id == filters.commune_id)
    out = []
    for report, member in db.session.execute(query):
        reasons = implausible({k: getattr(report, k) for k in COUNT_FIELDS})
        if reasons:
            out.append(OddMonth(member, report.month, reasons))
            if len(out) >= SHOWN:
                break
    return out


@dataclass(frozen=True)
class Twins:
    """People who may be one person entered twice (same name key)."""

    people: list[User]
    same_commune: (
        bool  # False: the same name in other communes or provinces (a warning)
    )


def possible_duplicates(filters: Filters) -> list[Twins]:
    """Return trainees whose names match once normalised (curriculum.khmer.name_key)."""
    rows = db.session.execute(
        select(User)
        .options(selectinload(User.commune))
        .where(User.role == "trainee", *in_place(filters))
        .order_by(User.id)
    ).scalars()
    by_key: dict[str, list[User]] = defaultdict(list)
    for person in rows:
        key = name_key(person.display_name)
        if key:
            by_key[key].append(person)
    found = []
    for people in by_key.values():
        if len(people) < 2:
            continue
        communes = {p.commune_id for p in people}
        found.append(Twins(people[:10], same_commune=len(communes) < len(people)))
    found.sort(key=lambda t: (not t.same_commune, t.people[0].display_name))
    return found[:SHOWN]


@dataclass(frozen=True)
class Unmatched:
    """Before-tests of an instrument with no after-test of the same person."""

    instrument: str
    pre: int
    matched: int

    @property
    def unmatched(self) -> int:
        return self.pre - self.matched


def unmatched_tests(filters: Filters) -> list[Unmatched]:
    """Return, per instrument, the people with a before-test and how many have both."""
    phases = (
        select(
            SurveyResponse.instrument,
            SurveyResponse.user_id,
            func.count(func.distinct(SurveyResponse.phase)),
            func.max(SurveyResponse.phase),
            func.min(SurveyResponse.phase),
        )
        .join(User, User.id == SurveyResponse.user_id)
        .where(*in_place(filters), *in_period(SurveyResponse.submitted_at, filters))
        .group_by(SurveyResponse.instrument, SurveyResponse.user_id)
    )
    pre: dict[str, int] = defaultdict(int)
    matched: dict[str, int] = defaultdict(int)
    for instrument, _user, phases_count, _hi, lo in db.session.execute(phases):
        if lo == "post" and phases_count == 1:
            continue  # an after-test alone is another matter
        pre[instrument] += 1
        matched[instrument] += int(phases_count == 2)
    return [Unmatched(i, pre[i], matched[i]) for i in sorted(pre)]


@dataclass(frozen=True)
class Correction:
    """A monthly report corrected: by whom, when, which month, old and new counts."""

    event: AuditEvent
    actor: User | None


def corrections(filters: Filters) -> list[Correction]:
    """Return the latest corrections of monthly reports in the period (counts only)."""
    query = (
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.action == "cmg_report.correct",
            *in_period(AuditEvent.at, filters),
        )
        .order_by(AuditEvent.id.desc())
        .limit(SHOWN)
    )
    return [Correction(event, actor) for event, actor in db.session.execute(query)]
