"""Training figures: workshops and pre/post change (reach and the funnel: reach.py)."""

from dataclasses import dataclass

from sqlalchemy import Integer, and_, case, distinct, func, select
from sqlalchemy.orm import aliased

from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    Commune,
    Enrolment,
    Province,
    SurveyResponse,
    User,
    Workshop,
    WorkshopSession,
)
from curriculum.models.summaries import MICRO, ReportCell
from curriculum.services.reports import summary
from curriculum.services.reports.filters import (
    Filters,
    in_period,
    in_period_dates,
    in_place,
)


# -- workshops -----------------------------------------------------------------------
@dataclass(frozen=True)
class WorkshopFigures:
    """Workshops held in the period and how many came."""

    workshops: int
    sessions: int
    attendances: int
    participants: int
    enrolled: int


def _everything(filters: Filters) -> bool:
    return not (
        filters.start
        or filters.end
        or filters.province_id is not None
        or filters.commune_id is not None
    )


def _attendance(filters: Filters, ids) -> tuple[int, int]:
    """Return (attendances, distinct participants) of the workshops `ids` selects.

    Counted per person (GROUP BY, which PostgreSQL reads in the order of the
    person index) rather than with COUNT(DISTINCT), which sorted 300,000 rows. With
    no period and no place every attendance counts (its session, workshop and commune
    are NOT NULL foreign keys): no join at all.
    """
    per_person = select(Attendance.user_id, func.count().label("n")).group_by(
        Attendance.user_id
    )
    if not _everything(filters):
        per_person = per_person.join(
            WorkshopSession, WorkshopSession.id == Attendance.session_id
        ).where(WorkshopSession.workshop_id.in_(select(ids.c.id)))
    people = per_person.subquery()
    attendances, participants = db.session.execute(
        select(func.coalesce(func.sum(people.c.n), 0), func.count()).select_from(people)
    ).one()
    return int(attendances), participants


def workshop_figures(filters: Filters) -> WorkshopFigures:
    """Count workshops, sessions and attendance in the period and place (four queries)."""
    where = [*in_period_dates(Workshop.starts_on, filters)]
    if filters.province_id is not None:
        where.append(Commune.province_id == filters.province_id)
    if filters.commune_id is not None:
        where.append(Workshop.commune_id == filters.commune_id)
    base = (
        select(Workshop.id)
        .join(Commune, Commune.id == Workshop.commune_id)
        .where(*where)
    )
    ids = base.subquery()
    workshops, sessions = db.session.execute(
        select(func.count(distinct(ids.c.id)), func.count(WorkshopSession.id))
        .select_from(ids)
        .outerjoin(WorkshopSession, WorkshopSession.workshop_id == ids.c.id)
    ).one()
    attendances, participants = _attendance(filters, ids)
    enrolled = select(func.count(Enrolment.id))
    if not _everything(filters):
        enrolled = enrolled.where(Enrolment.workshop_id.in_(select(ids.c.id)))
    return WorkshopFigures(
        workshops, sessions, attendances, participants, db.session.scalar(enrolled) or 0
    )


# -- pre/post change -------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """Matched pre/post scores of one group (a track or a province)."""

    label: str
    matched: int
    pre: float  # mean percent of the maximum
    post: float
    improved: int

    @property
    def change(self) -> float:
        """Return the mean change in percentage points."""
        return self.post - self.pre

    @property
    def share_improved(self) -> float:
        """Return the share (0-100) of people whose score went up."""
        return 100.0 * self.improved / self.matched if self.matched else 0.0


def _raw_pre_post(filters: Filters, kind: str, by: str) -> dict:
    """Return group -> [matched, improved, pre sum, pre count, post sum, post count]."""
    pre = aliased(SurveyResponse)
    post = aliased(SurveyResponse)
    pre_pct = pre.score * 100.0 / func.nullif(pre.max_score, 0)
    post_pct = post.score * 100.0 / func.nullif(post.max_score, 0)
    group = {"track": pre.track, "gender": User.gender}.get(by, User.province_id)
    query = (
        select(
            group,
            func.count(pre.id),
            func.sum(case((post_pct > pre_pct, 1), else_=0).cast(Integer)),
            func.sum(pre_pct),
            func.count(pre_pct),
            func.sum(post_pct),
            func.count(post_pct),
        )
        .select_from(pre)
        .join(
            post,
            and_(
                post.user_id == pre.user_id,
                post.instrument == pre.instrument,
                post.phase == "post",
            ),
        )
        .join(User, User.id == pre.user_id)
        .where(
            pre.phase == "pre",
            pre.kind == kind,
            *in_place(filters),
            *in_period(post.submitted_at, filters),
        )
        .group_by(group)
    )
    if filters.track:
        query = query.where(pre.track == filters.track)
    return {
        key: [float(v or 0) for v in values]
        for key, *values in db.session.execute(query)
        if key is not None
    }


def _cells_pre_post(filters: Filters, kind: str, by: str, months: tuple) -> dict:
    group = {
        "track": ReportCell.track,
        "gender": ReportCell.gender,
    }.get(by, ReportCell.province_id)
    query = summary.grouped(
        "prepost",
        filters,
        months,
        filters.track,
        group,
        values=("n", "hits", "sum_a", "n_a", "sum_b", "n_b"),
    ).where(ReportCell.key == kind)
    out = {}
    for key, n, hits, sum_a, n_a, sum_b, n_b in db.session.execute(query):
        if key in (None, 0, ""):
            continue  # no province (or sex) recorded: not a group, as before
        out[key] = [n, hits, int(sum_a) / MICRO, n_a, int(sum_b) / MICRO, n_b]
    return out


def pre_post(
    filters: Filters, kind: str, by: str = "track", raw: bool = False
) -> list[Change]:
    """Return matched pre/post change for knowledge or attitude.

    `by` is "track", "province" or "gender" (the trainee's, as recorded). A pair
    counts in the month of its post measure: the cells add up over months.
    """
    if raw or filters.commune_id is not None:
        sums = _raw_pre_post(filters, kind, by)
    else:
        months, edges = summary.split(filters)
        sums = _cells_pre_post(filters, kind, by, months) if months else {}
        for edge in edges:
            for key, values in _raw_pre_post(edge, kind, by).items():
                mine = sums.setdefault(key, [0] * 6)
                sums[key] = [a + b for a, b in zip(mine, values, strict=True)]
    names = {}
    if by == "province":
        names = {p.id: p for p in db.session.scalars(select(Province))}
    out = []
    for key, (matched, improved, pre_sum, pre_n, post_sum, post_n) in sums.items():
        if not matched or (by == "province" and key not in names):
            continue
        out.append(
            Change(
                names[key] if by == "province" else key,
                int(matched),
                float(pre_sum / pre_n) if pre_n else 0.0,
                float(post_sum / post_n) if post_n else 0.0,
                int(improved),
            )
        )
    return sorted(out, key=lambda c: str(c.label.code if by == "province" else c.label))
