"""CMG vetting: one case per candidate, criterion checks, decisions, conduct concerns.

Checks, decisions and concerns are append-only: the history is never rewritten.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow

CASE_STATES = ("open", "approved", "deferred", "rejected", "suspended")
OUTCOMES = ("approve", "defer", "reject")


class VettingCase(db.Model):
    """The vetting of one CMG candidate, judged by one version of the criteria."""

    __tablename__ = "vetting_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    criteria_version: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<VettingCase {self.id} candidate {self.candidate_id} {self.state}>"


class CriterionCheck(db.Model):
    """A committee member's recorded check of a manual criterion, with evidence."""

    __tablename__ = "criterion_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("vetting_cases.id", ondelete="CASCADE"), index=True
    )
    criterion_key: Mapped[str] = mapped_column(String(64))
    met: Mapped[bool] = mapped_column(Boolean)
    evidence_note: Mapped[str] = mapped_column(Text)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    criteria_version: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<CriterionCheck case {self.case_id} {self.criterion_key} {self.met}>"


class Decision(db.Model):
    """A committee decision on a case: approve, defer or reject, with reasons."""

    __tablename__ = "vetting_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("vetting_cases.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text)
    missing: Mapped[str | None] = mapped_column(Text)
    members_present: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_due_on: Mapped[date | None] = mapped_column(Date)
    criteria_version: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<Decision case {self.case_id} {self.outcome}>"


class ConductConcern(db.Model):
    """A concern about a member's conduct; it reopens the case."""

    __tablename__ = "conduct_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("vetting_cases.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text)
    suspend: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ConductConcern case {self.case_id}>"
