"""CMG vetting: cases, criteria states, checks, decisions, concerns, queue and exports.

Checks, decisions and concerns are only ever added, never changed: the case history is
the record. Notes are the most sensitive data here; this module never logs them.
"""

import base64
import binascii
import calendar
import json
from collections import defaultdict
from dataclasses import dataclass, field
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, lazyload

from curriculum.content.model import Catalog, Criterion, VettingCriteria
from curriculum.extensions import db
from curriculum.i18n import local_today
from curriculum.khmer import normalize_khmer
from curriculum.models import (
    Attendance,
    Commune,
    ConductConcern,
    CriterionCheck,
    Decision,
    QuizAttempt,
    User,
    UserTrack,
    VettingCase,
)
from curriculum.models.base import utcnow
from curriculum.permissions import scope_filter, scope_of
from curriculum.services import audit

CMG_TRACK = "cmg"
NOTE_MAX = 4000


class VettingError(ValueError):
    """A decision or check broke a rule; `code` says which, for a translated message."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class CriterionState:
    """Whether a candidate meets one criterion, and on what grounds."""

    criterion: Criterion
    met: bool
    # training: (module key, best percent or None); attendance: sessions attended
    modules: tuple[tuple[str, float | None], ...] = ()
    sessions: int = 0
    check: CriterionCheck | None = None  # manual: the latest recorded check


@dataclass(frozen=True)
class Facts:
    """What the records say about candidates: best quiz scores and sessions attended."""

    best: dict[int, dict[str, float]] = field(default_factory=dict)
    sessions: dict[int, int] = field(default_factory=dict)
    checks: dict[int, dict[str, CriterionCheck]] = field(default_factory=dict)


def add_months(day: date, months: int) -> date:
    """Return the same day some months later (the last day when the month is short)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def required_modules(catalog: Catalog) -> tuple[str, ...]:
    """Return the modules the CMG track requires."""
    track = catalog.track(CMG_TRACK)
    return track.required if track else ()


def load_facts(user_ids: list[int], case_ids: list[int]) -> Facts:
    """Load, in three queries, what the criteria need for many candidates at once."""
    if not user_ids:
        return Facts()
    best: dict[int, dict[str, float]] = defaultdict(dict)
    for user_id, quiz_key, percent in db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_key, func.max(QuizAttempt.percent))
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.passed.is_(True))
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_key)
    ):
        best[user_id][quiz_key] = percent
    sessions = dict(
        db.session.execute(
            select(Attendance.user_id, func.count(Attendance.id))
            .where(Attendance.user_id.in_(user_ids))
            .group_by(Attendance.user_id)
        ).all()
    )
    checks: dict[int, dict[str, CriterionCheck]] = defaultdict(dict)
    if case_ids:
        rows = db.session.scalars(
            select(CriterionCheck)
            .where(CriterionCheck.case_id.in_(case_ids))
            .order_by(CriterionCheck.checked_at, CriterionCheck.id)
        )
        for check in rows:  # later checks replace earlier ones
            checks[check.case_id][check.criterion_key] = check
    return Facts(dict(best), sessions, dict(checks))


def criteria_states(
    candidate: User, case: VettingCase | None, catalog: Catalog, facts: Facts
) -> list[CriterionState]:
    """Return the state of every criterion for one candidate."""
    criteria = catalog.vetting
    if criteria is None:
        return []
    best = facts.best.get(candidate.id, {})
    checks = facts.checks.get(case.id, {}) if case else {}
    states = []
    for criterion in criteria.criteria:
        if criterion.kind == "training":
            scores = []
            for key in required_modules(catalog):
                module = catalog.module(key)
                scores.append((key, best.get(module.quiz_key) if module else None))
            met = bool(scores) and all(
                s is not None and s >= criterion.min_score for _, s in scores
            )
            states.append(CriterionState(criterion, met, modules=tuple(scores)))
        elif criterion.kind == "attendance":
            count = facts.sessions.get(candidate.id, 0)
            states.append(
                CriterionState(
                    criterion, count >= criterion.min_sessions, sessions=count
                )
            )
        else:
            check = checks.get(criterion.key)
            states.append(
                CriterionState(criterion, bool(check and check.met), check=check)
            )
    return states


def case_of(candidate: User) -> VettingCase | None:
    """Return the candidate's case, or None."""
    return db.session.scalar(
        select(VettingCase).where(VettingCase.candidate_id == candidate.id)
    )


def is_member(person: User) -> bool:
    """Return True for an approved CMG member (who reports monthly)."""
    return bool(
        "cmg" in person.tracks
        and db.session.scalar(
            select(VettingCase.id).where(
                VettingCase.candidate_id == person.id, VettingCase.state == "approved"
            )
        )
    )


def open_case(
    candidate: User, criteria: VettingCriteria, by: User | None
) -> VettingCase:
    """Return the candidate's case, opening it on first sight (one case per candidate)."""
    case = case_of(candidate)
    if case is not None:
        return case
    case = VettingCase(
        candidate_id=candidate.id,
        criteria_version=criteria.version,
        opened_by_id=by.id if by else None,
    )
    db.session.add(case)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return case_of(candidate)
    audit.record(by, "case.open", "case", case.id)
    db.session.commit()
    return case


def record_check(
    case: VettingCase,
    criterion: Criterion,
    met: bool,
    note: str,
    by: User,
    version: str,
) -> CriterionCheck:
    """Add a committee member's check of a manual criterion, with the evidence."""
    if criterion.kind != "manual":
        raise VettingError("not_manual")
    note = note.strip()
    if not note:
        raise VettingError("note_required")
    check = CriterionCheck(
        case_id=case.id,
        criterion_key=criterion.key,
        met=met,
        evidence_note=note[:NOTE_MAX],
        checked_by_id=by.id,
        criteria_version=version,
    )
    db.session.add(check)
    case.updated_at = utcnow()
    db.session.flush()
    audit.record(
        by, "case.check", "case", case.id, {"criterion": criterion.key, "met": met}
    )
    db.session.commit()
    return check


def decide(
    case: VettingCase,
    *,
    outcome: str,
    reasons: str,
    members_present: str,
    missing: str = "",
    override_reason: str = "",
    by: User,
    states: list[CriterionState],
    criteria: VettingCriteria,
    today: date | None = None,
) -> Decision:
    """Record a decision; approval needs every criterion met or a written override."""
    today = today or local_today()
    reasons, members_present = reasons.strip(), members_present.strip()
    missing, override_reason = missing.strip(), override_reason.strip()
    if outcome not in ("approve", "defer", "reject"):
        raise VettingError("bad_outcome")
    if not reasons:
        raise VettingError("reasons_required")
    if not members_present:
        raise VettingError("members_required")
    if outcome == "defer" and not missing:
        raise VettingError("missing_required")
    all_met = bool(states) and all(s.met for s in states)
    if outcome == "approve" and not all_met and not override_reason:
        raise VettingError("criteria_not_met")
    review_due = (
        add_months(today, criteria.review_months) if outcome == "approve" else None
    )
    decision = Decision(
        case_id=case.id,
        outcome=outcome,
        reasons=reasons[:NOTE_MAX],
        missing=missing[:NOTE_MAX] or None,
        members_present=members_present[:1000],
        override_reason=(override_reason[:NOTE_MAX] or None)
        if outcome == "approve"
        else None,
        decided_by_id=by.id,
        review_due_on=review_due,
        criteria_version=criteria.version,
    )
    db.session.add(decision)
    case.state = {"approve": "approved", "defer": "deferred", "reject": "rejected"}[
        outcome
    ]
    case.review_due_on = review_due
    case.criteria_version = criteria.version
    case.updated_at = utcnow()
    db.session.flush()
    audit.record(
        by,
        "case.decide",
        "case",
        case.id,
        {"outcome": outcome, "override": bool(decision.override_reason)},
    )
    db.session.commit()
    return decision


def report_concern(
    case: VettingCase, note: str, suspend: bool, by: User
) -> ConductConcern:
    """Record a conduct concern: the case reopens, and the member may be suspended."""
    note = note.strip()
    if not note:
        raise VettingError("note_required")
    concern = ConductConcern(
        case_id=case.id, note=note[:NOTE_MAX], suspend=suspend, reported_by_id=by.id
    )
    db.session.add(concern)
    case.state = "suspended" if suspend else "open"
    case.review_due_on = None
    case.updated_at = utcnow()
    db.session.flush()
    audit.record(by, "case.concern", "case", case.id, {"suspend": suspend})
    db.session.commit()
    return concern


@dataclass(frozen=True)
class History:
    """A case's checks, decisions and concerns, newest first, with who acted."""

    checks: list[CriterionCheck]
    decisions: list[Decision]
    concerns: list[ConductConcern]
    people: dict[int, User]


def history(case: VettingCase) -> History:
    """Return the whole history of a case in four queries."""
    checks = list(
        db.session.scalars(
            select(CriterionCheck)
            .where(CriterionCheck.case_id == case.id)
            .order_by(CriterionCheck.checked_at.desc(), CriterionCheck.id.desc())
        )
    )
    decisions = list(
        db.session.scalars(
            select(Decision)
            .where(Decision.case_id == case.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
    )
    concerns = list(
        db.session.scalars(
            select(ConductConcern)
            .where(ConductConcern.case_id == case.id)
            .order_by(ConductConcern.reported_at.desc(), ConductConcern.id.desc())
        )
    )
    ids = {c.checked_by_id for c in checks} | {d.decided_by_id for d in decisions}
    ids |= {c.reported_by_id for c in concerns}
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    return History(checks, decisions, concerns, people)


# -- lists -------------------------------------------------------------------
def _scoped_candidates(staff: User, commune_id: int | None = None):
    query = (
        select(User)
        .join(UserTrack, UserTrack.user_id == User.id)
        .outerjoin(Commune, Commune.id == User.commune_id)
        # The commune comes with the row, so a list of 200 candidates is one query.
        .options(contains_eager(User.commune))
        .where(UserTrack.track == CMG_TRACK, User.role == "trainee")
        # A candidate's province is his commune's, or the one on his account.
        .where(
            scope_filter(
                staff,
                func.coalesce(Commune.province_id, User.province_id),
                User.commune_id,
            )
        )
        .order_by(User.display_name, User.id)
    )
    if commune_id is not None:
        query = query.where(User.commune_id == commune_id)
    return query


def candidates_in_scope(staff: User, commune_id: int | None = None) -> list[User]:
    """Return the CMG candidates whose commune or province lies in the staff's scope."""
    return list(db.session.scalars(_scoped_candidates(staff, commune_id)))


QUEUES = ("ready", "missing", "review", "suspended", "approved", "rejected")


@dataclass(frozen=True)
class QueueRow:
    """A candidate in the committee's queue."""

    person: User
    case: VettingCase | None
    states: list[CriterionState]
    queue: str

    @property
    def met(self) -> int:
        """Return how many criteria are met."""
        return sum(1 for s in self.states if s.met)


def queue(
    staff: User,
    catalog: Catalog,
    commune_id: int | None = None,
    today: date | None = None,
) -> dict[str, list[QueueRow]]:
    """Sort the candidates in scope into the committee's queues, in a fixed few queries."""
    today = today or local_today()
    people = candidates_in_scope(staff, commune_id)
    ids = [p.id for p in people]
    cases = (
        {
            c.candidate_id: c
            for c in db.session.scalars(
                select(VettingCase).where(VettingCase.candidate_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    facts = load_facts(ids, [c.id for c in cases.values()])
    out: dict[str, list[QueueRow]] = {name: [] for name in QUEUES}
    for person in people:
        case = cases.get(person.id)
        states = criteria_states(person, case, catalog, facts)
        state = case.state if case else "open"
        if state == "approved":
            due = case.review_due_on is not None and case.review_due_on <= today
            name = "review" if due else "approved"
        elif state in ("suspended", "rejected"):
            name = state
        else:
            name = "ready" if states and all(s.met for s in states) else "missing"
        out[name].append(QueueRow(person, case, states, name))
    return out


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
    """Return approved members in scope with their case and approval date."""
    people = {p.id: p for p in candidates_in_scope(staff)}
    if not people:
        return []
    cases = db.session.scalars(
        select(VettingCase).where(
            VettingCase.candidate_id.in_(list(people)), VettingCase.state == "approved"
        )
    ).all()
    approved_on = (
        dict(
            db.session.execute(
                select(Decision.case_id, func.max(Decision.decided_at))
                .where(
                    Decision.case_id.in_([c.id for c in cases]),
                    Decision.outcome == "approve",
                )
                .group_by(Decision.case_id)
            ).all()
        )
        if cases
        else {}
    )
    rows = []
    for case in cases:
        when = approved_on.get(case.id)
        rows.append((people[case.candidate_id], case, when.date() if when else None))
    return sorted(rows, key=lambda r: r[0].display_name)


# -- audit of what was seen --------------------------------------------------
def record_case_view(case: VettingCase, by: User) -> None:
    """Audit that a committee member or admin opened a case (every view is logged)."""
    audit.record(by, "case.view", "case", case.id)
    db.session.commit()


def record_case_export(case: VettingCase, by: User, fmt: str) -> None:
    """Audit a deliberate download of one case with its notes."""
    audit.record(by, "case.export", "case", case.id, {"format": fmt})
    db.session.commit()


def record_members_export(by: User, fmt: str, rows: int) -> None:
    """Audit a download of the approved members in the staff member's scope."""
    audit.record(
        by,
        "members.export",
        "scope",
        by.province_id or "all",
        {"format": fmt, "rows": rows},
    )
    db.session.commit()
