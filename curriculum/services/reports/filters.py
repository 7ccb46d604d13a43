"""Report filters: period, place and track, narrowed to a scope; the per-worker cache."""

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from time import monotonic
from time import time as wall_clock

from sqlalchemy import exists, func, select

from curriculum.extensions import db
from curriculum.models import (
    CmgMonthlyReport,
    QuizAttempt,
    User,
    UserTrack,
)
from curriculum.permissions import scope_of

_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 256


def cached(key: tuple, seconds: int, compute, fresh_after: float | None = None):
    """Return compute(), reusing a result computed less than `seconds` ago.

    National figures over 100,000 trainees take a good part of a second on a small
    PostgreSQL server; trends do not change in two minutes. Each worker keeps its own
    small cache (no worker needs another's), keyed by the scoped filters, so a
    committee never sees another scope's figures. `fresh_after` (a wall-clock time,
    the viewer's own last change) refuses a result computed before it, so nobody sees
    figures older than what he just changed.
    """
    if seconds <= 0:
        return compute()
    now, wall = monotonic(), wall_clock()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if (
            hit
            and now - hit[0] < seconds
            and (fresh_after is None or hit[2] >= fresh_after)
        ):
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (now, value, wall)
    return value


def clear_cache() -> None:
    """Forget every cached figure of this worker (a rebuild, a cold measurement)."""
    with _CACHE_LOCK:
        _CACHE.clear()


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


def in_period(column, filters: Filters) -> list:
    out = []
    if filters.start:
        out.append(column >= filters.since())
    if filters.end:
        out.append(column <= filters.until())
    return out


def in_place(filters: Filters) -> list:
    # Trainees carry their province as well as their commune: no join to filter.
    out = []
    if filters.province_id is not None:
        out.append(User.province_id == filters.province_id)
    if filters.commune_id is not None:
        out.append(User.commune_id == filters.commune_id)
    return out


def attempts_in(query, filters: Filters):
    """Narrow a query of quiz attempts to the filters' place and track."""
    if in_place(filters):
        query = query.join(User, User.id == QuizAttempt.user_id).where(
            *in_place(filters)
        )
    if filters.track:
        query = query.where(
            exists().where(
                UserTrack.user_id == QuizAttempt.user_id,
                UserTrack.track == filters.track,
            )
        )
    return query


def trainee_rows(filters: Filters, *columns):
    """Return a select of trainees (one row per track they follow) in place and track."""
    query = (
        select(*columns)
        .select_from(User)
        .join(UserTrack, UserTrack.user_id == User.id)
        .where(User.role == "trainee", *in_place(filters))
    )
    if filters.track:
        query = query.where(UserTrack.track == filters.track)
    return query


def month_of(column):
    """Return a SQL expression for the YYYY-MM of a timestamp, on SQLite or PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Phnom_Penh", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def in_period_dates(column, filters: Filters) -> list:
    out = []
    if filters.start:
        out.append(column >= filters.start)
    if filters.end:
        out.append(column <= filters.end)
    return out


def in_months(filters: Filters, column=None) -> list:
    column = CmgMonthlyReport.month if column is None else column
    out = []
    if filters.start:
        out.append(column >= filters.start.replace(day=1))
    if filters.end:
        out.append(column <= filters.end)
    return out
