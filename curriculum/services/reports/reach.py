"""Reach and the completion funnel: from the summary cells, the period's edges raw.

Each figure is a sum of partial counts: `_raw_*` counts the raw rows of (part of) a
period, `_cells_*` the summary cells of its whole months; `raw=True` counts the whole
period from the raw rows (what the tests compare the summaries with).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import distinct, exists, func, or_, select

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.models import (
    Commune,
    LessonView,
    ModuleCompletion,
    Province,
    QuizAttempt,
    User,
    UserTrack,
)
from curriculum.models.progress import Certificate
from curriculum.models.summaries import ReportCell
from curriculum.services.reports import summary
from curriculum.services.reports.filters import (
    Filters,
    in_period,
    in_place,
    month_of,
    trainee_rows,
)

COMMUNES_SHOWN = 30


@dataclass(frozen=True)
class Reach:
    """Trainees reached, by track and gender, by province, by commune and by month."""

    by_track_gender: dict[str, dict[str, int]]
    by_province: list[tuple[Province, int]]
    by_commune: list[tuple[Commune, int]]
    by_month: list[tuple[str, int]]
    total: int
    by_age: dict[str, int] | None = None  # people by age band ("" not said)


@dataclass
class _ReachCounts:
    track_gender: Counter = field(default_factory=Counter)
    province: Counter = field(default_factory=Counter)
    month: Counter = field(default_factory=Counter)
    total: int = 0
    age: Counter = field(default_factory=Counter)
    commune: Counter = field(default_factory=Counter)

    def add(self, other: "_ReachCounts") -> None:
        for name in ("track_gender", "province", "month", "age", "commune"):
            getattr(self, name).update(getattr(other, name))
        self.total += other.total


def _by_communes(filters: Filters) -> bool:
    return filters.province_id is not None or filters.commune_id is not None


def _raw_reach(filters: Filters) -> _ReachCounts:
    out = _ReachCounts()
    period = in_period(User.created_at, filters)
    month = month_of(User.created_at)
    rows = db.session.execute(
        trainee_rows(
            filters, UserTrack.track, User.gender, User.province_id, month, func.count()
        )
        .where(*period)
        .group_by(UserTrack.track, User.gender, User.province_id, month)
    ).all()
    for track, gender, province_id, month_key, count in rows:
        out.track_gender[(track, gender)] += count
        if province_id is not None:
            out.province[province_id] += count
        if month_key:
            out.month[month_key] += count
    if filters.track:
        out.total = sum(n for n in out.track_gender.values())
    else:
        # Someone on two tracks is one person: count people, not (person, track) rows.
        out.total = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.role == "trainee",
                *in_place(filters),
                *period,
                exists().where(UserTrack.user_id == User.id),
            )
        )
    if _by_communes(filters):
        out.commune.update(
            dict(
                db.session.execute(
                    trainee_rows(
                        filters, User.commune_id, func.count(distinct(User.id))
                    )
                    .where(*period, User.commune_id.is_not(None))
                    .group_by(User.commune_id)
                ).all()
            )
        )
    out.age.update(
        {
            band or "": n
            for band, n in db.session.execute(
                trainee_rows(filters, User.age_band, func.count(distinct(User.id)))
                .where(*period)
                .group_by(User.age_band)
            )
        }
    )
    return out


def _not_all(filters: Filters) -> list:
    if filters.track:
        return [ReportCell.track == filters.track]
    return [ReportCell.track != "*"]


def _cells_reach(filters: Filters, months: tuple) -> _ReachCounts:
    out = _ReachCounts()
    columns = (
        ReportCell.track,
        ReportCell.gender,
        ReportCell.province_id,
        ReportCell.label,
    )
    for track, gender, province_id, label, count in db.session.execute(
        summary.grouped("trainee", filters, months, None, *columns).where(
            *_not_all(filters)
        )
    ):
        out.track_gender[(track, gender)] += count
        if province_id:
            out.province[province_id] += count
        out.month[label] += count
    everyone = summary.track_or_all(filters)
    ages = summary.grouped("trainee", filters, months, everyone, ReportCell.age_band)
    out.age.update(dict(db.session.execute(ages).all()))
    out.total = sum(out.age.values())
    if _by_communes(filters):
        communes = summary.grouped(
            "trainee_c", filters, months, everyone, ReportCell.commune_id
        )
        out.commune.update(dict(db.session.execute(communes).all()))
    return out


def reach(filters: Filters, raw: bool = False) -> Reach:
    """Count trainees who joined in the period, by track, sex, place, month and age."""
    if raw or filters.commune_id is not None:
        counts = _raw_reach(filters)
    else:
        months, edges = summary.split(filters)
        counts = _cells_reach(filters, months) if months else _ReachCounts()
        for edge in edges:
            counts.add(_raw_reach(edge))
    return _finish_reach(counts)


def _finish_reach(counts: _ReachCounts) -> Reach:
    by_track_gender: dict[str, dict[str, int]] = defaultdict(dict)
    for (track, gender), n in sorted(counts.track_gender.items()):
        if n:
            by_track_gender[track][gender] = n
    names = {p.id: p for p in db.session.scalars(select(Province))}
    top = sorted(
        ((cid, n) for cid, n in counts.commune.items() if n),
        key=lambda r: (-r[1], r[0]),
    )[:COMMUNES_SHOWN]
    communes: list[tuple[Commune, int]] = []
    if top:
        found = {
            c.id: c
            for c in db.session.scalars(
                select(Commune).where(Commune.id.in_([cid for cid, _ in top]))
            )
        }
        communes = [(found[cid], n) for cid, n in top if cid in found]
    return Reach(
        by_age={band: n for band, n in sorted(counts.age.items()) if n},
        by_track_gender=dict(by_track_gender),
        by_province=sorted(
            (
                (names[pid], n)
                for pid, n in counts.province.items()
                if pid in names and n
            ),
            key=lambda r: (-r[1], r[0].id),
        ),
        by_commune=communes,
        by_month=sorted((m, n) for m, n in counts.month.items() if n),
        total=counts.total or 0,
    )


# -- completion funnel ---------------------------------------------------------------
@dataclass(frozen=True)
class FunnelStep:
    """One step of a track's funnel."""

    key: str  # "enrolled", "started", a module key, or "certified"
    count: int


def _raw_started(filters: Filters) -> Counter:
    activity = or_(
        exists().where(
            LessonView.user_id == User.id, *in_period(LessonView.first_at, filters)
        ),
        exists().where(
            QuizAttempt.user_id == User.id,
            *in_period(QuizAttempt.submitted_at, filters),
        ),
    )
    return Counter(
        dict(
            db.session.execute(
                trainee_rows(filters, UserTrack.track, func.count())
                .where(activity)
                .group_by(UserTrack.track)
            ).all()
        )
    )


def _raw_funnel(filters: Filters) -> tuple[Counter, Counter, Counter]:
    """Return (enrolled by track, passed by (track, module), certified by track)."""
    enrolled = Counter(
        dict(
            db.session.execute(
                trainee_rows(filters, UserTrack.track, func.count())
                .where(*in_period(User.created_at, filters))
                .group_by(UserTrack.track)
            ).all()
        )
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
    passed = Counter({(t, m): n for t, m, n in db.session.execute(passed_query)})
    certified = Counter(dict(db.session.execute(certified_query).all()))
    return enrolled, passed, certified


def _cells_funnel(filters: Filters, months: tuple) -> tuple[Counter, Counter, Counter]:
    def rows(kind, *columns):
        query = summary.grouped(kind, filters, months, None, *columns)
        return db.session.execute(query.where(*_not_all(filters))).all()

    enrolled = Counter(dict(rows("trainee", ReportCell.track)))
    passed = Counter(
        {(t, m): n for t, m, n in rows("completion", ReportCell.track, ReportCell.key)}
    )
    certified = Counter(dict(rows("certificate", ReportCell.track)))
    return enrolled, passed, certified


def funnel(
    filters: Filters, catalog: Catalog, raw: bool = False
) -> dict[str, list[FunnelStep]]:
    """Return, per track: enrolled, started, passed each required module, certified.

    Each step counts what happened in the period: joined, read or answered, passed,
    certified (a person enrolled earlier who starts now counts as started only).
    Started counts people, which do not add up over months: with a period it is
    counted from the raw rows (indexed by person), without one from the cells.
    """
    if raw or filters.commune_id is not None:
        enrolled, passed, certified = _raw_funnel(filters)
        started = _raw_started(filters)
    else:
        months, edges = summary.split(filters)
        enrolled, passed, certified = (
            _cells_funnel(filters, months)
            if months
            else (Counter(), Counter(), Counter())
        )
        for edge in edges:
            for mine, theirs in zip(
                (enrolled, passed, certified), _raw_funnel(edge), strict=True
            ):
                mine.update(theirs)
        if filters.start or filters.end:
            started = _raw_started(filters)
        else:
            query = summary.grouped(
                "trainee",
                filters,
                (None, None),
                None,
                ReportCell.track,
                values=["hits"],
            ).where(*_not_all(filters))
            started = Counter(dict(db.session.execute(query).all()))
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
