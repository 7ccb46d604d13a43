"""Summary tables kept exact in the transaction of every write, and their rebuild.

Every ORM write of an attempt, a completion, a certificate, a pre/post measure, a
lesson first read, a CMG monthly report, a person's place, sex, age band, role or
tracks goes through a flush of the session, and every flush is hooked (in
models/summaries.py): before it, the touched people's contributions are read from
the raw rows (and, on PostgreSQL, their rows locked, so that two writes for one
person cannot interleave); after it,
they are read again and the difference is added to the cells. So whichever service
writes (a quiz submitted online or from a paper sheet, a hub import, a regrade, a
correction, a deletion), the summaries move with it, in its transaction, and are
rolled back with it. Bulk inserts (the synthetic population) call `add_people`.

Each attempt also carries its questions right or wrong for item analysis
(items.py), set in the same hook.

`rebuild` recomputes every cell from the raw rows in one transaction, and stores the
item grades of the attempts that lack current ones.
"""

from collections import defaultdict

from sqlalchemy import delete, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from curriculum.extensions import db
from curriculum.models import (
    CmgMonthlyReport,
    LessonView,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
    User,
    UserTrack,
)
from curriculum.models.progress import Certificate
from curriculum.models.summaries import (
    CELL_KEYS,
    CELL_VALUES,
    CMG_KEYS,
    CMG_VALUES,
    ReportCell,
    ReportCmgCell,
)
from curriculum.services.summaries import items
from curriculum.services.summaries.cells import (
    ALL_KINDS,
    cmg_contributions,
    contributions,
    people_of,
)

KINDS_OF = {
    QuizAttempt: frozenset(("attempt", "taker", "trainee")),
    ModuleCompletion: frozenset(("completion",)),
    Certificate: frozenset(("certificate",)),
    SurveyResponse: frozenset(("prepost",)),
    UserTrack: ALL_KINDS,
}
PERSON_FIELDS = (
    "role",
    "province_id",
    "commune_id",
    "gender",
    "age_band",
    "created_at",
)
PENDING = "report_summaries_pending"
CHUNK = 5000


def _owner(obj) -> int | None:
    uid = getattr(obj, "member_id" if isinstance(obj, CmgMonthlyReport) else "user_id")
    if uid is None and isinstance(obj, UserTrack) and obj.user is not None:
        uid = obj.user.id
    return uid


def _touched(session) -> tuple[dict[int, set], set[int]]:
    """Return the people a flush touches (with the kinds it touches) and CMG members."""
    people: dict[int, set] = defaultdict(set)
    members: set[int] = set()
    for obj in [*session.new, *session.deleted, *session.dirty]:
        state = inspect(obj)
        dirty = state.persistent and obj not in session.deleted
        if isinstance(obj, CmgMonthlyReport):
            if not dirty or session.is_modified(obj):
                uid = _owner(obj)
                if uid is not None:
                    members.add(uid)
                if dirty:  # a report moved to another member counts off the first
                    old = state.attrs.member_id.history.deleted
                    members.update(m for m in old if m is not None)
            continue
        if isinstance(obj, User):
            if not dirty or any(
                state.attrs[f].history.has_changes() for f in PERSON_FIELDS
            ):
                if obj.id is not None:
                    people[obj.id] |= ALL_KINDS
                    members.add(obj.id)
            continue
        if isinstance(obj, LessonView):
            kinds = frozenset() if dirty else frozenset(("trainee",))
        else:
            kinds = KINDS_OF.get(type(obj), frozenset())
        if kinds and (not dirty or session.is_modified(obj)):
            uid = _owner(obj)
            if uid is not None:
                people[uid] |= kinds
    return people, members


PEOPLE = "report_summaries_people"  # person rows read in this transaction


def _known(session, conn, ids):
    return people_of(conn, list(ids), session.info.setdefault(PEOPLE, {}))


def _changes_people(session) -> bool:
    """Return True when a flush writes a person or a track (their rows are read again)."""
    return any(
        isinstance(obj, (User, UserTrack))
        for obj in (*session.new, *session.dirty, *session.deleted)
    )


def forget_people(session) -> None:
    """Drop the person rows kept for this transaction (at its end)."""
    session.info.pop(PEOPLE, None)


def before_flush(session, _context, _instances) -> None:
    """Read the contributions of the people a flush is about to change."""
    items.on_flush(session)
    if _changes_people(session):
        session.info[PEOPLE + "_changed"] = True
        forget_people(session)
    people, members = _touched(session)
    if not people and not members:
        session.info.pop(PENDING, None)
        return
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(
            select(User.id)
            .where(User.id.in_(sorted(set(people) | members)))
            .order_by(User.id)
            .with_for_update()
        )
    kinds = frozenset().union(*people.values()) if people else frozenset()
    session.info[PENDING] = (
        set(people),
        kinds,
        contributions(conn, list(people), kinds, dialect, _known(session, conn, people))
        if people
        else {},
        members,
        cmg_contributions(conn, list(members)) if members else {},
    )


def after_flush(session, _context) -> None:
    """Add to the cells what the flush changed in its people's contributions."""
    pending = session.info.pop(PENDING, None)
    if session.info.pop(PEOPLE + "_changed", False):
        forget_people(session)  # the flush wrote people: read them as they are now
    people, members = _touched(session)  # new rows have their ids now
    if pending is None and not people and not members:
        return
    before_people, kinds, old, before_members, old_cmg = pending or (
        set(),
        frozenset(),
        {},
        set(),
        {},
    )
    kinds = kinds.union(*people.values()) if people else kinds
    ids = sorted(before_people | set(people))
    members_all = sorted(before_members | members)
    conn = session.connection()
    if ids:
        new = contributions(
            conn, ids, kinds, conn.dialect.name, _known(session, conn, ids)
        )
        _apply(conn, ReportCell, CELL_KEYS, CELL_VALUES, _minus(new, old))
    if members_all:
        new_cmg = cmg_contributions(conn, members_all)
        _apply(conn, ReportCmgCell, CMG_KEYS, CMG_VALUES, _minus(new_cmg, old_cmg))


def _minus(new: dict, old: dict) -> dict:
    out = {}
    for key in set(new) | set(old):
        a, b = new.get(key), old.get(key)
        if a is None:
            diff = [-v for v in b]
        elif b is None:
            diff = list(a)
        else:
            diff = [x - y for x, y in zip(a, b, strict=True)]
        if any(diff):
            out[key] = diff
    return out


def _apply(conn, model, keys, values, delta: dict) -> None:
    """Add `delta` (cell key -> values) to the cells, creating the missing ones."""
    if not delta:
        return
    table = model.__table__
    make = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = make(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={v: table.c[v] + stmt.excluded[v] for v in values},
    )
    # Always in the same order: two transactions adding to the same cells (trainees
    # submitting at once in a workshop) then lock them in the same order, and PostgreSQL
    # finds no deadlock between them.
    ordered = sorted(delta.items(), key=lambda item: tuple(map(str, item[0])))
    rows = [
        dict(zip(keys, key, strict=True)) | dict(zip(values, vals, strict=True))
        for key, vals in ordered
    ]
    for start in range(0, len(rows), CHUNK):
        conn.execute(stmt, rows[start : start + CHUNK])


def add_people(ids: list[int]) -> None:
    """Count people written without the session's flush (bulk inserts): new people only.

    Their rows must all be written and none of them counted yet.
    """
    conn = db.session.connection()
    total: dict = {}
    cmg_total: dict = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _merge(total, contributions(conn, chunk, ALL_KINDS, conn.dialect.name))
        _merge(cmg_total, cmg_contributions(conn, chunk))
    _apply(conn, ReportCell, CELL_KEYS, CELL_VALUES, total)
    _apply(conn, ReportCmgCell, CMG_KEYS, CMG_VALUES, cmg_total)


def _merge(into: dict, cells: dict) -> None:
    for key, vals in cells.items():
        mine = into.get(key)
        into[key] = (
            list(vals)
            if mine is None
            else [a + b for a, b in zip(mine, vals, strict=True)]
        )


def computed_from_raw() -> tuple[dict, dict]:
    """Return every cell as the raw rows make it now (for the rebuild and the tests)."""
    conn = db.session.connection()
    return contributions(conn, None, ALL_KINDS, conn.dialect.name), cmg_contributions(
        conn, None
    )


def stored() -> tuple[dict, dict]:
    """Return every stored cell (without the cells that sum to nothing)."""
    cells = {}
    for row in db.session.execute(select(ReportCell)).scalars():
        vals = [getattr(row, v) for v in CELL_VALUES]
        if any(vals):
            cells[tuple(getattr(row, k) for k in CELL_KEYS)] = vals
    cmg = {}
    for row in db.session.execute(select(ReportCmgCell)).scalars():
        vals = [getattr(row, v) for v in CMG_VALUES]
        if any(vals):
            cmg[tuple(getattr(row, k) for k in CMG_KEYS)] = vals
    return cells, cmg


def rebuild(catalog=None) -> tuple[int, int]:
    """Recompute every summary from the raw rows, all or nothing; return the cells.

    With the catalogue (the app's by default), also store the item grades of every
    attempt that lacks current ones.
    """
    try:
        cells, cmg = computed_from_raw()
        conn = db.session.connection()
        catalog = catalog if catalog is not None else items.app_catalog()
        if catalog is not None:
            items.fill(conn, catalog)
        conn.execute(delete(ReportCell))
        conn.execute(delete(ReportCmgCell))
        _apply(conn, ReportCell, CELL_KEYS, CELL_VALUES, cells)
        _apply(conn, ReportCmgCell, CMG_KEYS, CMG_VALUES, cmg)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(cells), len(cmg)
