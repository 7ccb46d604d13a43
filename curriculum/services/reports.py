"""Monitoring and evaluation: aggregate figures by place, track and period.

Every function runs a fixed number of queries, whatever the number of trainees, and
returns plain rows that the pages show as tables and charts and export as files.
"""

import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from time import monotonic

from sqlalchemy import Integer, and_, case, distinct, exists, func, or_, select
from sqlalchemy.orm import aliased

from curriculum.content.model import Catalog, Quiz
from curriculum.extensions import db
from curriculum.models import (
    COUNT_FIELDS,
    Attendance,
    Certificate,
    CmgMonthlyReport,
    Commune,
    CommuneGroup,
    CommuneGroupMember,
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
from curriculum.permissions import scope_of
from curriculum.services import audit, grading

ITEM_SAMPLE = 3000  # item analysis reads at most this many recent attempts of a quiz
_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 256


def cached(key: tuple, seconds: int, compute):
    """Return compute(), reusing a result computed less than `seconds` ago.

    National figures over 100,000 trainees take a good part of a second on a small
    PostgreSQL server; trends do not change in two minutes. Each worker keeps its own
    small cache (no worker needs another's), keyed by the scoped filters, so a
    committee never sees another scope's figures.
    """
    if seconds <= 0:
        return compute()
    now = monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit and now - hit[0] < seconds:
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (now, value)
    return value


@dataclass(frozen=True)
class Filters:
    """What a report is about: a period, a place and a track."""

    start: date | None = None
    end: date | None = None
    province_id: int | None = None
    commune_id: int | None = None
    track: str | None = None

    def since(self) -> datetime | None:
        """Return the start of the period as a UTC timestamp."""
        return datetime.combine(self.start, time.min, UTC) if self.start else None

    def until(self) -> datetime | None:
        """Return the end of the period (inclusive day) as a UTC timestamp."""
        return datetime.combine(self.end, time.max, UTC) if self.end else None


def scoped(filters: Filters, user: User) -> Filters:
    """Narrow filters to the user's scope (permissions.scope_of): committees see theirs."""
    scope = scope_of(user)
    if scope.everywhere:
        return filters
    if scope.commune_id is not None:
        return replace(
            filters, province_id=scope.province_id, commune_id=scope.commune_id
        )
    # No province in scope: a province id that no place has, so nothing is counted.
    return replace(filters, province_id=scope.province_id or -1)


def _period(column, filters: Filters) -> list:
    out = []
    if filters.start:
        out.append(column >= filters.since())
    if filters.end:
        out.append(column <= filters.until())
    return out


def _place(filters: Filters) -> list:
    # Trainees carry their province as well as their commune: no join to filter.
    out = []
    if filters.province_id is not None:
        out.append(User.province_id == filters.province_id)
    if filters.commune_id is not None:
        out.append(User.commune_id == filters.commune_id)
    return out


def _trainees(filters: Filters, *columns):
    """Return a select of trainees (one row per track they follow) in place and track."""
    query = (
        select(*columns)
        .select_from(User)
        .join(UserTrack, UserTrack.user_id == User.id)
        .where(User.role == "trainee", *_place(filters))
    )
    if filters.track:
        query = query.where(UserTrack.track == filters.track)
    return query


def month_of(column):
    """Return a SQL expression for the YYYY-MM of a timestamp, on SQLite or PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Phnom_Penh", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


# -- reach -------------------------------------------------------------------------
@dataclass(frozen=True)
class Reach:
    """Trainees reached, by track and gender, by province, by commune and by month."""

    by_track_gender: dict[str, dict[str, int]]
    by_province: list[tuple[Province, int]]
    by_commune: list[tuple[Commune, int]]
    by_month: list[tuple[str, int]]
    total: int


def reach(filters: Filters) -> Reach:
    """Count trainees who joined in the period: one scan, plus communes for a province."""
    period = _period(User.created_at, filters)
    month = month_of(User.created_at)
    rows = db.session.execute(
        _trainees(
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
                *_place(filters),
                *period,
                exists().where(UserTrack.user_id == User.id),
            )
        )
    names = {p.id: p for p in db.session.scalars(select(Province))}
    communes: list[tuple[Commune, int]] = []
    if filters.province_id is not None or filters.commune_id is not None:
        counts = db.session.execute(
            _trainees(filters, User.commune_id, func.count(distinct(User.id)))
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
    return Reach(
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
    """Return, per track: enrolled, started, passed each required module, certified."""
    enrolled = dict(
        db.session.execute(
            _trainees(filters, UserTrack.track, func.count()).group_by(UserTrack.track)
        ).all()
    )
    activity = or_(
        exists().where(
            LessonView.user_id == User.id, *_period(LessonView.first_at, filters)
        ),
        exists().where(
            QuizAttempt.user_id == User.id, *_period(QuizAttempt.submitted_at, filters)
        ),
    )
    started = dict(
        db.session.execute(
            _trainees(filters, UserTrack.track, func.count())
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
        .where(*_period(ModuleCompletion.completed_at, filters))
        .group_by(UserTrack.track, ModuleCompletion.module_key)
    )
    certified_query = (
        select(Certificate.track, func.count())
        .where(
            *_period(Certificate.issued_at, filters), Certificate.revoked_at.is_(None)
        )
        .group_by(Certificate.track)
    )
    if _place(filters):
        passed_query = passed_query.join(
            User, User.id == ModuleCompletion.user_id
        ).where(*_place(filters))
        certified_query = certified_query.join(
            User, User.id == Certificate.user_id
        ).where(*_place(filters))
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
    where = [*_period_dates(Workshop.starts_on, filters)]
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


def _period_dates(column, filters: Filters) -> list:
    out = []
    if filters.start:
        out.append(column >= filters.start)
    if filters.end:
        out.append(column <= filters.end)
    return out


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
    """Return matched pre/post change for knowledge or attitude, by track or province."""
    pre = aliased(SurveyResponse)
    post = aliased(SurveyResponse)
    pre_pct = pre.score * 100.0 / func.nullif(pre.max_score, 0)
    post_pct = post.score * 100.0 / func.nullif(post.max_score, 0)
    group = pre.track if by == "track" else User.province_id
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
            *_place(filters),
            *_period(post.submitted_at, filters),
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
        label = key if by == "track" else names[key]
        out.append(
            Change(
                label,
                matched,
                float(mean_pre or 0),
                float(mean_post or 0),
                int(improved or 0),
            )
        )
    return sorted(out, key=lambda c: str(c.label if by == "track" else c.label.code))


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
        .where(*_period(QuizAttempt.submitted_at, filters))
        .group_by(QuizAttempt.quiz_key)
    )
    if _place(filters):
        query = query.join(User, User.id == QuizAttempt.user_id).where(*_place(filters))
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
            *_place(filters),
            *_period(QuizAttempt.submitted_at, filters),
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


# -- CMG activity --------------------------------------------------------------------
@dataclass(frozen=True)
class Activity:
    """Summed monthly reports of one group of communes (or one commune)."""

    label: object  # a CommuneGroup, a Commune, or None for communes in no group
    reports: int
    members: int
    counts: dict[str, int]

    @property
    def outcomes_known(self) -> int:
        """Return the cases with a reported outcome other than unknown."""
        return sum(
            self.counts[k]
            for k in ("outcome_stopped", "outcome_reduced", "outcome_continuing")
        )


def _month_bounds(filters: Filters) -> list:
    out = []
    if filters.start:
        out.append(CmgMonthlyReport.month >= filters.start.replace(day=1))
    if filters.end:
        out.append(CmgMonthlyReport.month <= filters.end)
    return out


def cmg_activity(filters: Filters, by: str = "group") -> list[Activity]:
    """Sum CMG monthly reports by commune group or by commune (one query, plus names)."""
    sums = [
        func.coalesce(func.sum(getattr(CmgMonthlyReport, f)), 0) for f in COUNT_FIELDS
    ]
    key = CommuneGroupMember.group_id if by == "group" else CmgMonthlyReport.commune_id
    query = (
        select(
            key,
            func.count(CmgMonthlyReport.id),
            func.count(distinct(CmgMonthlyReport.member_id)),
            *sums,
        )
        .select_from(CmgMonthlyReport)
        .outerjoin(Commune, Commune.id == CmgMonthlyReport.commune_id)
        .outerjoin(
            CommuneGroupMember,
            CommuneGroupMember.commune_id == CmgMonthlyReport.commune_id,
        )
        .where(*_month_bounds(filters))
        .group_by(key)
    )
    if filters.province_id is not None:
        query = query.where(Commune.province_id == filters.province_id)
    if filters.commune_id is not None:
        query = query.where(CmgMonthlyReport.commune_id == filters.commune_id)
    rows = db.session.execute(query).all()
    ids = [r[0] for r in rows if r[0] is not None]
    model = CommuneGroup if by == "group" else Commune
    labels = (
        {m.id: m for m in db.session.scalars(select(model).where(model.id.in_(ids)))}
        if ids
        else {}
    )
    out = []
    for row in rows:
        label = labels.get(row[0]) if row[0] is not None else None
        out.append(
            Activity(
                label, row[1], row[2], dict(zip(COUNT_FIELDS, row[3:], strict=True))
            )
        )
    return sorted(out, key=lambda a: (a.label is None, getattr(a.label, "id", 0)))


def activity_total(rows: list[Activity]) -> Activity | None:
    """Return the sum of several activity rows."""
    if not rows:
        return None
    counts = {f: sum(r.counts[f] for r in rows) for f in COUNT_FIELDS}
    return Activity(
        "total", sum(r.reports for r in rows), sum(r.members for r in rows), counts
    )


# -- commune groups ------------------------------------------------------------------
def create_group(name_km: str, name_en: str, by: User) -> CommuneGroup:
    """Create a group of communes (for example "old areas")."""
    group = CommuneGroup(name_km=name_km, name_en=name_en)
    db.session.add(group)
    db.session.flush()
    audit.record(by, "group.create", "commune_group", group.id)
    db.session.commit()
    return group


def assign_communes(group: CommuneGroup, codes: str, by: User) -> tuple[int, list[str]]:
    """Put the communes with these codes into a group; return (count, unknown codes)."""
    wanted = [c for c in codes.replace(",", " ").split() if c][:2000]
    communes = {
        c.code: c
        for c in db.session.scalars(select(Commune).where(Commune.code.in_(wanted)))
    }
    unknown = [c for c in wanted if c not in communes]
    existing = {
        m.commune_id: m
        for m in db.session.scalars(
            select(CommuneGroupMember).where(
                CommuneGroupMember.commune_id.in_([c.id for c in communes.values()])
            )
        )
    }
    for commune in communes.values():
        member = existing.get(commune.id)
        if member is None:
            db.session.add(CommuneGroupMember(commune_id=commune.id, group_id=group.id))
        else:
            member.group_id = group.id  # a commune is in one group at most
    audit.record(
        by, "group.assign", "commune_group", group.id, {"communes": len(communes)}
    )
    db.session.commit()
    return len(communes), unknown


def record_export(by: User, name: str, fmt: str) -> None:
    """Audit a download of a report table."""
    audit.record(by, "report.export", "report", name, {"format": fmt})
    db.session.commit()
