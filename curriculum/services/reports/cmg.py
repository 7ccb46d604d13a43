"""CMG activity from monthly reports, and the groups of communes it is summed by."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import selectinload

from curriculum.extensions import db
from curriculum.models import (
    COUNT_FIELDS,
    CmgMonthlyReport,
    Commune,
    CommuneGroup,
    CommuneGroupMember,
    ReportCmgCell,
    User,
)
from curriculum.services import audit
from curriculum.services.cmg_reports import REACHED_WAYS
from curriculum.services.reports.filters import (
    Filters,
    in_months,
)

# -- CMG activity --------------------------------------------------------------------
REACHED = REACHED_WAYS  # the ways of reaching people (women_reached splits them)


@dataclass(frozen=True)
class Activity:
    """Summed monthly reports of one group of communes (or one commune)."""

    label: object  # a CommuneGroup, a Commune, or None for communes in no group
    reports: int
    members: int
    counts: dict[str, int]

    group: object = None  # for a commune's row: its CommuneGroup, or None

    @property
    def outcomes_known(self) -> int:
        """Return the cases with a reported outcome other than unknown."""
        return sum(
            self.counts[k]
            for k in ("outcome_stopped", "outcome_reduced", "outcome_continuing")
        )

    @property
    def reached(self) -> int:
        """Return the people reached in every way (campaigns, leaflets, house visits)."""
        return sum(self.counts[k] for k in REACHED)

    @property
    def share_stopped_of_known(self) -> float | None:
        """Return the share (0-100) of cases with a known outcome where it stopped."""
        known = self.outcomes_known
        return 100.0 * self.counts["outcome_stopped"] / known if known else None

    @property
    def share_stopped_of_counselled(self) -> float | None:
        """Return the share (0-100) of all men counselled whose violence stopped."""
        men = self.counts["men_counselled"]
        return 100.0 * self.counts["outcome_stopped"] / men if men else None


def _grouped(filters: Filters, by: str, source, *columns):
    key = CommuneGroupMember.group_id if by == "group" else source.commune_id
    query = (
        select(key, *columns)
        .select_from(source)
        .outerjoin(Commune, Commune.id == source.commune_id)
        .outerjoin(
            CommuneGroupMember,
            and_(
                CommuneGroupMember.commune_id == source.commune_id,
                *valid_in(source.month),
            ),
        )
        .where(*in_months(filters, source.month))
        .group_by(key)
    )
    if filters.province_id is not None:
        query = query.where(Commune.province_id == filters.province_id)
    if filters.commune_id is not None:
        query = query.where(source.commune_id == filters.commune_id)
    return query


def _cmg_rows(filters: Filters, by: str, raw: bool) -> list:
    """Return (key, reports, members, sums...) rows, from the cells or the raw rows.

    Months are whole in both, so the cells are exact for every period. Members are
    people, who do not add up over months: always counted from the raw rows.
    """
    members = func.count(distinct(CmgMonthlyReport.member_id))
    if raw:
        sums = [
            func.coalesce(func.sum(getattr(CmgMonthlyReport, f)), 0)
            for f in COUNT_FIELDS
        ]
        query = _grouped(
            filters,
            by,
            CmgMonthlyReport,
            func.count(CmgMonthlyReport.id),
            members,
            *sums,
        )
        return [tuple(r) for r in db.session.execute(query)]
    sums = [func.coalesce(func.sum(getattr(ReportCmgCell, f)), 0) for f in COUNT_FIELDS]
    query = _grouped(filters, by, ReportCmgCell, func.sum(ReportCmgCell.reports), *sums)
    people = dict(
        db.session.execute(_grouped(filters, by, CmgMonthlyReport, members)).all()
    )
    out = []
    for key, count, *values in db.session.execute(query):
        key = None if key == 0 else key
        if count:
            out.append((key, int(count), people.get(key, 0), *values))
    return out


def cmg_activity(
    filters: Filters, by: str = "group", raw: bool = False
) -> list[Activity]:
    """Sum CMG monthly reports by commune group or by commune, plus names."""
    rows = _cmg_rows(filters, by, raw)
    ids = [r[0] for r in rows if r[0] is not None]
    model = CommuneGroup if by == "group" else Commune
    names = select(model).where(model.id.in_(ids))
    if model is Commune:
        names = names.options(selectinload(Commune.province))
    labels = {m.id: m for m in db.session.scalars(names)} if ids else {}
    groups = _groups_of(ids) if by == "commune" else {}
    out = []
    for row in rows:
        label = labels.get(row[0]) if row[0] is not None else None
        out.append(
            Activity(
                label,
                row[1],
                row[2],
                dict(zip(COUNT_FIELDS, [int(v) for v in row[3:]], strict=True)),
                groups.get(row[0]),
            )
        )
    return sorted(out, key=lambda a: (a.label is None, getattr(a.label, "id", 0)))


def valid_in(month) -> list:
    """Return the conditions of a group membership valid in a month (a column or date)."""
    return [
        or_(
            CommuneGroupMember.valid_from.is_(None),
            CommuneGroupMember.valid_from <= month,
        ),
        or_(CommuneGroupMember.valid_to.is_(None), CommuneGroupMember.valid_to > month),
    ]


def _groups_of(commune_ids: list[int]) -> dict[int, CommuneGroup]:
    """Return the group each commune is in now (its open membership)."""
    if not commune_ids:
        return {}
    rows = db.session.execute(
        select(CommuneGroupMember.commune_id, CommuneGroup)
        .join(CommuneGroup, CommuneGroup.id == CommuneGroupMember.group_id)
        .where(
            CommuneGroupMember.commune_id.in_(commune_ids),
            CommuneGroupMember.valid_to.is_(None),
        )
    ).all()
    return dict(rows)


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


def assign_communes(
    group: CommuneGroup, codes: str, by: User, since: date | None = None
) -> tuple[int, list[str]]:
    """Put the communes with these codes into a group; return (count, unknown codes).

    With `since` (the first day of a month), a commune leaves its group from that month
    and the months before keep the group they had; without it, the group is the
    commune's for all time (every earlier period of it is replaced).
    """
    wanted = [c for c in codes.replace(",", " ").split() if c][:2000]
    communes = {
        c.code: c
        for c in db.session.scalars(select(Commune).where(Commune.code.in_(wanted)))
    }
    unknown = [c for c in wanted if c not in communes]
    periods: dict[int, list[CommuneGroupMember]] = {}
    for member in db.session.scalars(
        select(CommuneGroupMember).where(
            CommuneGroupMember.commune_id.in_([c.id for c in communes.values()])
        )
    ):
        periods.setdefault(member.commune_id, []).append(member)
    for commune in communes.values():
        _move(commune, group, periods.get(commune.id, []), since)
    audit.record(
        by,
        "group.assign",
        "commune_group",
        group.id,
        {"communes": len(communes), "since": since.isoformat() if since else None},
    )
    db.session.commit()
    return len(communes), unknown


def _move(commune, group, periods: list[CommuneGroupMember], since) -> None:
    if since is None:
        for period in periods:
            db.session.delete(period)
        db.session.add(CommuneGroupMember(commune_id=commune.id, group_id=group.id))
        return
    for period in periods:
        if period.valid_from is not None and period.valid_from >= since:
            db.session.delete(period)  # a later period is replaced by the new one
        elif period.valid_to is None or period.valid_to > since:
            if period.group_id == group.id:
                return  # already in this group from before that month
            period.valid_to = since
    db.session.add(
        CommuneGroupMember(commune_id=commune.id, group_id=group.id, valid_from=since)
    )


def groups_with_communes() -> tuple[list[CommuneGroup], dict[int, list]]:
    """Return every group and, by group id, its communes now (with since when)."""
    groups = list(db.session.scalars(select(CommuneGroup).order_by(CommuneGroup.id)))
    members: dict[int, list[Commune]] = {}
    for member, commune in db.session.execute(
        select(CommuneGroupMember, Commune)
        .join(Commune, Commune.id == CommuneGroupMember.commune_id)
        .where(CommuneGroupMember.valid_to.is_(None))
        .order_by(Commune.code)
    ):
        members.setdefault(member.group_id, []).append((commune, member.valid_from))
    return groups, members
