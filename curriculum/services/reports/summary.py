"""Reading the summary tables: which part of a period they answer, and their rows.

Cells are per UTC month and per province. A period is split into the whole months it
covers (read from the cells) and the days before and after them (read from the raw
rows, which the period's indexes keep small); a report for one commune reads the
commune's raw rows only. Counts and sums add up exactly; figures that do not add up
(distinct people over a period) are read raw whenever a period is set.
"""

from calendar import monthrange
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import func, select

from curriculum.models.summaries import ReportCell
from curriculum.services.reports.filters import Filters


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split(filters: Filters) -> tuple[tuple | None, list[Filters]]:
    """Return (first, last) whole month of the period (None: unbounded) and the rest.

    The first item is None when the period holds no whole month.
    """
    start, end = filters.start, filters.end
    first = None
    if start is not None:
        first = start if start.day == 1 else _next_month(start)
    last = None
    if end is not None:
        last_day = monthrange(end.year, end.month)[1]
        last = end.replace(day=1)
        if end.day != last_day:
            last = (last - timedelta(days=1)).replace(day=1)
    if first is not None and last is not None and first > last:
        return None, [filters]
    edges = []
    if start is not None and start != first:
        edges.append(replace(filters, end=first - timedelta(days=1)))
    if end is not None:
        end_of_last = _next_month(last) - timedelta(days=1)
        if end != end_of_last:
            edges.append(replace(filters, start=end_of_last + timedelta(days=1)))
    return (first, last), edges


def where(kind: str, filters: Filters, months: tuple, track: str | None = None):
    """Return the conditions on report_cells for a kind, the filters and the months."""
    out = [ReportCell.kind == kind]
    first, last = months
    if first is not None:
        out.append(ReportCell.month >= first)
    if last is not None:
        out.append(ReportCell.month <= last)
    if filters.province_id is not None:
        out.append(ReportCell.province_id == filters.province_id)
    if track is not None:
        out.append(ReportCell.track == track)
    return out


def grouped(kind: str, filters: Filters, months: tuple, track, *columns, values=None):
    """Return rows of (columns..., sums of values) of a kind's cells."""
    sums = [func.sum(getattr(ReportCell, v)) for v in values or ("n",)]
    return (
        select(*columns, *sums)
        .where(*where(kind, filters, months, track))
        .group_by(*columns)
    )


def track_or_all(filters: Filters) -> str:
    """Return the cells' track for the filters: the track, or "*" for everyone."""
    return filters.track or "*"
