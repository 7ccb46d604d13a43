"""Training figures: reach, the completion funnel, workshops, pre/post change."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Integer, and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import aliased

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    Certificate,
    Commune,
    Enrolment,
    LessonView,
    ModuleCompletion,
    Province,
    QuizAttempt,
    SurveyResponse,
    User,
    UserTrack,
    Workshop,
    WorkshopSession,
)
from curriculum.services.reports.filters import (
    Filters,
    in_period,
    in_period_dates,
    in_place,
    month_of,
    trainee_rows,
)


# -- reach -------------------------------------------------------------------------
@dataclass(frozen=True)
class Reach:
    """Trainees reached, by track and gender, by province, by commune and by month."""

    by_track_gender: dict[str, dict[str, int]]
    by_province: list[tuple[Province, int]]
    by_commune: list[tuple[Commune, int]]
    by_month: list[tuple[str, int]]
    total: int
    by_age: dict[str, int] | None = None  # people by age band ("" not said)


def reach(filters: Filters) -> Reach:
    """Count trainees who joined in the period: one scan, plus communes for a province."""
    period = in_period(User.created_at, filters)
    month = month_of(User.created_at)
    rows = db.session.execute(
        trainee_rows(
            filters, UserTrack.track, User.gender, User.province_id, month, func.count()
        )
        .where(*period)
        .group_by(UserTrack.track, User.gender, User.province_id, month)
    ).all()
    by_track_gender: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_province: dict[int, int] = defaultdict(int)
    by_month: dict[str, int] = defaultdict(int)
    for track, gender, province_id, month_key, count in rows:
        by_track_gender[track][gender] += count
        if province_id is not None:
            by_province[province_id] += count
        if month_key:
            by_month[month_key] += count
    if filters.track:
        total = sum(by_month.values()) if by_month else sum(by_province.values())
    else:
        # Someone on two tracks is one person: count people, not (person, track) rows.
        total = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.role == "trainee",
                *in_place(filters),
                *period,
                exists().where(UserTrack.user_id == User.id),
            )
        )
    names = {p.id: p for p in db.session.scalars(select(Province))}
    communes: list[tuple[Commune, int]] = []
    if filters.province_id is not None or filters.commune_id is not None:
        counts = db.session.execute(
            trainee_rows(filters, User.commune_id, func.count(distinct(User.id)))
            .where(*period, User.commune_id.is_not(None))
            .group_by(User.commune_id)
            .order_by(func.count(distinct(User.id)).desc())
            .limit(30)
        ).all()
        if counts:
            found = {
                c.id: c
                for c in db.session.scalars(
                    select(Commune).where(Commune.id.in_([cid for cid, _ in counts]))
                )
            }
            communes = [(found[cid], n) for cid, n in counts if cid in found]
    by_age = dict(
        db.session.execute(
            trainee_rows(filters, User.age_band, func.count(distinct(User.id)))
            .where(*period)
            .group_by(User.age_band)
        ).all()
    )
    return Reach(
        by_age={band or "": n for band, n in by_age.items()},
        by_track_gender={k: dict(v) for k, v in by_track_gender.items()},
        by_province=sorted(
            ((names[pid], n) for pid, n in by_province.items() if pid in names),
            key=lambda r: -r[1],
        ),
        by_commune=communes,
        by_month=sorted(by_month.items()),
        total=total or 0,
    )


# -- completion funnel ---------------------------------------------------------------
@dataclass(frozen=True)
class FunnelStep:
    """One step of a track's funnel."""

    key: str  # "enrolled", "started", a module key, or "certified"
    count: int


def funnel(filters: Filters, catalog: Catalog) -> dict[str, list[FunnelStep]]:
    """Return, per track: enrolled, started, passed each required module, certified.

    Each step counts what happened in the period: joined, read or answered, passed,
    certified (a person enrolled earlier who starts now counts as started only).
    """
    # The period means one thing on every figure: it happened in the period. A trainee
    # is enrolled in the period he joined, as the reach counts him.
    enrolled = dict(
        db.session.execute(
            trainee_rows(filters, UserTrack.track, func.count())
            .where(*in_period(User.created_at, filters))
            .group_by(UserTrack.track)
        ).all()
    )
    activity = or_(
        exists().where(
            LessonView.user_id == User.id, *in_period(LessonView.first_at, filters)
        ),
        exists().where(
            QuizAttempt.user_id == User.id,
            *in_period(QuizAttempt.submitted_at, filters),
        ),
    )
    started = dict(
        db.session.execute(
            trainee_rows(filters, UserTrack.track, func.count())
            .where(activity)
            .group_by(UserTrack.track)
        ).all()
    )
    # Only trainees complete modules and earn certificates: join the people table
    # only to filter by place.
    passed_query = (
        select(UserTrack.track, ModuleCompletion.module_key, func.count())
        .select_from(ModuleCompletion)
        .join(UserTrack, UserTrack.user_id == ModuleCompletion.user_id)
        .where(*in_period(ModuleCompletion.completed_at, filters))
        .group_by(UserTrack.track, ModuleCompletion.module_key)
    )
    certified_query = (
        select(Certificate.track, func.count())
        .where(
            *in_period(Certificate.issued_at, filters), Certificate.revoked_at.is_(None)
        )
        .group_by(Certificate.track)
    )
    if in_place(filters):
        passed_query = passed_query.join(
            User, User.id == ModuleCompletion.user_id
        ).where(*in_place(filters))
        certified_query = certified_query.join(
            User, User.id == Certificate.user_id
        ).where(*in_place(filters))
    if filters.track:
        passed_query = passed_query.where(UserTrack.track == filters.track)
        certified_query = certified_query.where(Certificate.track == filters.track)
    passed = {(t, m): n for t, m, n in db.session.execute(passed_query)}
    certified = dict(db.session.execute(certified_query).all())
    out = {}
    for track in catalog.tracks:
        if filters.track and track.key != filters.track:
            continue
        steps = [
            FunnelStep("enrolled", enrolled.get(track.key, 0)),
            FunnelStep("started", started.get(track.key, 0)),
        ]
        steps += [FunnelStep(m, passed.get((track.key, m), 0)) for m in track.required]
        steps.append(FunnelStep("certified", certified.get(track.key, 0)))
        out[track.key] = steps
    return out


# -- workshops -----------------------------------------------------------------------
@dataclass(frozen=True)
class WorkshopFigures:
    """Workshops held in the period and how many came."""

    workshops: int
    sessions: int
    attendances: int
    participants: int
    enrolled: int


def workshop_figures(filters: Filters) -> WorkshopFigures:
    """Count workshops, sessions and attendance in the period and place (three queries)."""
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
    attendances, participants = db.session.execute(
        select(func.count(Attendance.id), func.count(distinct(Attendance.user_id)))
        .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
        .where(WorkshopSession.workshop_id.in_(select(ids.c.id)))
    ).one()
    enrolled = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.workshop_id.in_(select(ids.c.id))
        )
    )
    return WorkshopFigures(
        workshops, sessions, attendances, participants, enrolled or 0
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


def pre_post(filters: Filters, kind: str, by: str = "track") -> list[Change]:
    """Return matched pre/post change for knowledge or attitude.

    `by` is "track", "province" or "gender" (the trainee's, as recorded).
    """
    pre = aliased(SurveyResponse)
    post = aliased(SurveyResponse)
    pre_pct = pre.score * 100.0 / func.nullif(pre.max_score, 0)
    post_pct = post.score * 100.0 / func.nullif(post.max_score, 0)
    group = {"track": pre.track, "gender": User.gender}.get(by, User.province_id)
    query = (
        select(
            group,
            func.count(pre.id),
            func.avg(pre_pct),
            func.avg(post_pct),
            func.sum(case((post_pct > pre_pct, 1), else_=0).cast(Integer)),
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
    rows = db.session.execute(query).all()
    names = {}
    if by == "province":
        names = {p.id: p for p in db.session.scalars(select(Province))}
    out = []
    for key, matched, mean_pre, mean_post, improved in rows:
        if key is None:
            continue
        label = names[key] if by == "province" else key
        out.append(
            Change(
                label,
                matched,
                float(mean_pre or 0),
                float(mean_post or 0),
                int(improved or 0),
            )
        )
    return sorted(out, key=lambda c: str(c.label.code if by == "province" else c.label))
