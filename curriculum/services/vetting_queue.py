"""The committee's queue one page at a time: keyset pages, filters, counts, indexes.

The rule of each queue (ready, review, suspended, missing, approved, rejected) is the
one of services/vetting.py's `queue`, written again in SQL so that a page reads only
its own rows; tests/test_lists.py checks that the two agree.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased, contains_eager, lazyload

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.i18n import local_today
from curriculum.khmer import normalize_khmer
from curriculum.models import (
    Attendance,
    Commune,
    CriterionCheck,
    Decision,
    QuizAttempt,
    User,
    UserTrack,
    VettingCase,
)
from curriculum.permissions import scope_filter, scope_of
from curriculum.services.vetting import (  # the rules this page follows
    CMG_TRACK,
    QueueRow,
    _scoped_candidates,
    criteria_states,
    load_facts,
    required_modules,
)

# -- the queue, one page at a time -------------------------------------------
# The queues in the order the committee works through them: a page lists the
# candidates by (queue, name, id), so the ready ones come first, as on the old page.
QUEUE_ORDER = ("ready", "review", "suspended", "missing", "approved", "rejected")
PAGE_SIZE = 50
# Counting stops here: "more than 1,000" is all a committee needs to know.
COUNT_CAP = 1000
COMMUNE_CHOICES_CAP = 300
NAME_SEARCH_MAX = 100


def _all_criteria_met(catalog: Catalog) -> ColumnElement[bool]:
    """Return SQL that is true when `criteria_states` would say every criterion is met.

    It refers to the User and VettingCase of the enclosing query.
    """
    criteria = catalog.vetting
    if criteria is None or not criteria.criteria:
        return false()
    # Tested in this order, cheapest and most often false first: most candidates have
    # no checks recorded yet, then attendance, then each module's best score.
    manual: list[ColumnElement[bool]] = []
    attendance: list[ColumnElement[bool]] = []
    training: list[ColumnElement[bool]] = []
    for criterion in criteria.criteria:
        if criterion.kind == "training":
            modules = [catalog.module(key) for key in required_modules(catalog)]
            if not modules or any(m is None or not m.quiz_key for m in modules):
                return false()
            for module in modules:
                # The best passed score reaches the mark iff one passed attempt does.
                training.append(
                    exists().where(
                        QuizAttempt.user_id == User.id,
                        QuizAttempt.quiz_key == module.quiz_key,
                        QuizAttempt.passed.is_(True),
                        QuizAttempt.percent >= (criterion.min_score or 0),
                    )
                )
        elif criterion.kind == "attendance":
            if (criterion.min_sessions or 0) > 0:
                sessions = (
                    select(func.count(Attendance.id))
                    .where(Attendance.user_id == User.id)
                    .scalar_subquery()
                )
                attendance.append(sessions >= criterion.min_sessions)
        else:
            # The latest check of this criterion (by time, then id) says "met".
            later = aliased(CriterionCheck)
            manual.append(
                exists().where(
                    CriterionCheck.case_id == VettingCase.id,
                    CriterionCheck.criterion_key == criterion.key,
                    CriterionCheck.met.is_(True),
                    ~exists().where(
                        later.case_id == CriterionCheck.case_id,
                        later.criterion_key == CriterionCheck.criterion_key,
                        or_(
                            later.checked_at > CriterionCheck.checked_at,
                            and_(
                                later.checked_at == CriterionCheck.checked_at,
                                later.id > CriterionCheck.id,
                            ),
                        ),
                    ),
                )
            )
    return and_(true(), *manual, *attendance, *training)


def _queue_rank(catalog: Catalog, today: date):
    """Return SQL for the candidate's place in QUEUE_ORDER (the rules of `queue`)."""
    rank = QUEUE_ORDER.index
    return sql_case(
        (
            and_(VettingCase.state == "approved", VettingCase.review_due_on <= today),
            literal(rank("review")),
        ),
        (VettingCase.state == "approved", literal(rank("approved"))),
        (VettingCase.state == "suspended", literal(rank("suspended"))),
        (VettingCase.state == "rejected", literal(rank("rejected"))),
        (_all_criteria_met(catalog), literal(rank("ready"))),
        else_=literal(rank("missing")),
    )


def _name_condition(text: str) -> ColumnElement[bool]:
    lowered = text.casefold()
    return or_(
        User.display_name.contains(text, autoescape=True),
        func.lower(User.latin_name).contains(lowered, autoescape=True),
        User.username.contains(lowered, autoescape=True),
    )


# Building and keying these statements costs more than running them on a province, so
# each worker keeps them (without a name search) by catalogue, scope, day and commune.
_KEPT: dict[tuple, tuple] = {}


class _QueueStatements:
    """The statements of one queue: per-queue counts and the pages, with bound cursors."""

    def __init__(self, ranked):
        first = select(ranked.c.rank).limit(COUNT_CAP + 1).subquery()
        self.counts = select(first.c.rank, func.count()).group_by(first.c.rank)
        self._ranked = ranked
        self._pages: dict[tuple, object] = {}

    def page(self, by_queue: bool, direction: str, size: int):
        """Return the statement of a page: "first", "after" or "before" a cursor."""
        kept = self._pages.get((by_queue, direction, size))
        if kept is not None:
            return kept
        ranked = self._ranked
        order = (ranked.c.rank, ranked.c.name, ranked.c.id)
        query = select(*order)
        if by_queue:
            query = query.where(ranked.c.rank == bindparam("queue_rank", type_=Integer))
        cursor = tuple_(
            bindparam("cursor_rank", type_=Integer),
            bindparam("cursor_name", type_=String),
            bindparam("cursor_id", type_=Integer),
        )
        if direction == "after":
            query = query.where(tuple_(*order) > cursor)
        elif direction == "before":
            query = query.where(tuple_(*order) < cursor)
            order = tuple(column.desc() for column in order)
        query = query.order_by(*order).limit(size + 1)
        if len(self._pages) < 32:
            self._pages[by_queue, direction, size] = query
        return query


def _queue_statements(
    staff: User,
    catalog: Catalog,
    today: date,
    commune_id: int | None,
    name: str,
) -> _QueueStatements:
    """Return the queue's statements for this scope and these filters."""
    if name:
        return _QueueStatements(_build_ranked(staff, catalog, today, commune_id, name))
    key = (id(catalog), scope_of(staff), today, commune_id)
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is catalog:
        return kept[1]
    if len(_KEPT) >= 256:
        _KEPT.clear()
    statements = _QueueStatements(_build_ranked(staff, catalog, today, commune_id, ""))
    _KEPT[key] = (catalog, statements)
    return statements


def _build_ranked(
    staff: User,
    catalog: Catalog,
    today: date,
    commune_id: int | None,
    name: str,
):
    """Return a subquery of (id, name, rank) of the candidates in scope.

    Two branches, so that each can use an index: candidates with a commune are found
    through the communes in scope, the others through their account's province.
    Together they are the rows of `_scoped_candidates` (the province of a candidate is
    his commune's, or the one on his account), with the same `scope_filter`.
    """
    rank = _queue_rank(catalog, today)
    on_cmg_track = (
        select(UserTrack.user_id)
        .where(UserTrack.user_id == User.id, UserTrack.track == CMG_TRACK)
        .exists()
    )

    def branch(with_commune: bool):
        query = (
            select(
                User.id.label("id"),
                User.display_name.label("name"),
                rank.label("rank"),
            )
            .outerjoin(VettingCase, VettingCase.candidate_id == User.id)
            # The track is asked row by row: driven from user_tracks, the query would
            # read every CMG candidate of the country.
            .where(User.role == "trainee", on_cmg_track)
        )
        if with_commune:
            # Through the index on users.commune_id, from the communes in scope.
            in_scope = select(Commune.id).where(
                scope_filter(staff, Commune.province_id, Commune.id)
            )
            query = query.where(User.commune_id.in_(in_scope))
        else:
            query = query.where(
                User.commune_id.is_(None),
                scope_filter(staff, User.province_id, User.commune_id),
            )
        if commune_id is not None:
            query = query.where(User.commune_id == commune_id)
        if name:
            query = query.where(_name_condition(name))
        return query

    if commune_id is not None:  # nobody without a commune lives in one
        return branch(True).subquery()
    return union_all(branch(True), branch(False)).subquery()


def encode_cursor(rank: int, name: str, user_id: int) -> str:
    """Return the page token that starts after (or before) this row."""
    raw = json.dumps([rank, name, user_id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None) -> tuple[int, str, int] | None:
    """Return the (rank, name, id) of a page token, or None for anything else."""
    if not token or len(token) > 1200:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        rank, name, user_id = json.loads(raw.decode())
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if (
        type(rank) is not int
        or not 0 <= rank < len(QUEUE_ORDER)
        or not isinstance(name, str)
        or len(name) > 200
        or type(user_id) is not int
        or not 0 < user_id < 2**63
    ):
        return None
    return rank, name, user_id


@dataclass(frozen=True)
class QueuePage:
    """One page of the committee's queue, with links to the pages beside it."""

    rows: list[QueueRow]
    next_cursor: str | None
    previous_cursor: str | None
    counts: dict[str, int]  # per queue, under the commune and name filters
    total: int
    capped: bool  # there are more than COUNT_CAP candidates: the counts are partial


def queue_page(
    staff: User,
    catalog: Catalog,
    *,
    queue_name: str | None = None,
    commune_id: int | None = None,
    name: str = "",
    after: str | None = None,
    before: str | None = None,
    today: date | None = None,
    size: int | None = None,
) -> QueuePage:
    """Return one page of the queue in a fixed few queries, whatever the candidates.

    `after` and `before` are tokens from a previous page; a token that cannot be read
    gives the first page.
    """
    today = today or local_today()
    size = size or PAGE_SIZE
    name = normalize_khmer(name or "")[:NAME_SEARCH_MAX]
    statements = _queue_statements(staff, catalog, today, commune_id, name)
    counts = dict.fromkeys(QUEUE_ORDER, 0)
    for rank, number in db.session.execute(statements.counts):
        counts[QUEUE_ORDER[rank]] = number
    total = sum(counts.values())
    params: dict = {}
    by_queue = queue_name in QUEUE_ORDER
    if by_queue:
        params["queue_rank"] = QUEUE_ORDER.index(queue_name)
    start, end = decode_cursor(after), decode_cursor(before)
    direction = "after" if start else "before" if end else "first"
    cursor = start or end
    if cursor:
        params.update(cursor_rank=cursor[0], cursor_name=cursor[1], cursor_id=cursor[2])
    statement = statements.page(by_queue, direction, size)
    found = db.session.execute(statement, params).all()
    more = len(found) > size
    found = found[:size]
    if direction == "before":
        found.reverse()
    first, last = (found[0], found[-1]) if found else (None, None)
    if direction == "before":
        previous_cursor = encode_cursor(*first) if more else None
        next_cursor = encode_cursor(*last) if found else None
    else:
        previous_cursor = encode_cursor(*first) if found and start else None
        next_cursor = encode_cursor(*last) if more else None
    return QueuePage(
        _queue_rows(found, catalog),
        next_cursor,
        previous_cursor,
        counts,
        min(total, COUNT_CAP),
        total > COUNT_CAP,
    )


def _queue_rows(found, catalog: Catalog) -> list[QueueRow]:
    """Load the people, cases and facts of one page's rows (four queries)."""
    ids = [row.id for row in found]
    if not ids:
        return []
    people, cases = {}, {}
    for person, case_ in db.session.execute(
        select(User, VettingCase)
        .outerjoin(Commune, Commune.id == User.commune_id)
        .outerjoin(VettingCase, VettingCase.candidate_id == User.id)
        .options(contains_eager(User.commune), lazyload(User.track_rows))
        .where(User.id.in_(ids))
    ):
        people[person.id] = person
        if case_ is not None:
            cases[person.id] = case_
    facts = load_facts(ids, [c.id for c in cases.values()])
    rows = []
    for row in found:
        person = people[row.id]
        case_ = cases.get(row.id)
        states = criteria_states(person, case_, catalog, facts)
        rows.append(QueueRow(person, case_, states, QUEUE_ORDER[row.rank]))
    return rows


def communes_with_candidates(staff: User) -> list[Commune]:
    """Return the communes in scope where candidates live, or [] when too many."""
    candidate_here = (
        select(User.id)
        .join(
            UserTrack,
            and_(UserTrack.user_id == User.id, UserTrack.track == CMG_TRACK),
        )
        .where(User.commune_id == Commune.id, User.role == "trainee")
        .exists()
    )
    found = list(
        db.session.scalars(
            select(Commune)
            .where(scope_filter(staff, Commune.province_id, Commune.id), candidate_here)
            .limit(COMMUNE_CHOICES_CAP + 1)
        )
    )
    return [] if len(found) > COMMUNE_CHOICES_CAP else found


def approved_members(staff: User) -> list[tuple[User, VettingCase, date | None]]:
    """Return approved members in scope with their case and approval date, by name.

    One query: the approved cases are joined in SQL, so a national admin's list costs
    the members, not every CMG candidate of the country loaded first.
    """
    approved_at = (
        select(Decision.case_id, func.max(Decision.decided_at).label("at"))
        .where(Decision.outcome == "approve")
        .group_by(Decision.case_id)
        .subquery()
    )
    query = (
        _scoped_candidates(staff)
        .join(VettingCase, VettingCase.candidate_id == User.id)
        .outerjoin(approved_at, approved_at.c.case_id == VettingCase.id)
        .where(VettingCase.state == "approved")
        .add_columns(VettingCase, approved_at.c.at)
    )
    return [
        (person, case, when.date() if when else None)
        for person, case, when in db.session.execute(query).unique()
    ]
