"""CMG vetting: cases, criteria states, checks, decisions, concerns, queue and exports.

Checks, decisions and concerns are only ever added, never changed: the case history is
the record. Notes are the most sensitive data here; this module never logs them.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from curriculum.content.model import Catalog, Criterion, VettingCriteria
from curriculum.extensions import db
from curriculum.i18n import local_today
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
from curriculum.permissions import scope_filter
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


# The queue one page at a time lives in its own room; its names are part of this one's.
from curriculum.services.vetting_queue import (  # noqa: E402
    COMMUNE_CHOICES_CAP,
    COUNT_CAP,
    NAME_SEARCH_MAX,
    PAGE_SIZE,
    QUEUE_ORDER,
    QueuePage,
    approved_members,
    communes_with_candidates,
    decode_cursor,
    encode_cursor,
    queue_page,
)

__all__ = [
    "COMMUNE_CHOICES_CAP",
    "COUNT_CAP",
    "NAME_SEARCH_MAX",
    "PAGE_SIZE",
    "QUEUE_ORDER",
    "QueuePage",
    "approved_members",
    "communes_with_candidates",
    "decode_cursor",
    "encode_cursor",
    "queue_page",
]
