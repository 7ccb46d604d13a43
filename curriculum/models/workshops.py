"""Workshops in communes: sessions, co-facilitators, enrolment, attendance, setup codes."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow
from curriculum.models.geography import Commune


class Workshop(db.Model):
    """An in-person workshop held in a commune by one or more facilitators."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    module_keys: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    commune: Mapped[Commune] = relationship()
    sessions: Mapped[list["WorkshopSession"]] = relationship(
        back_populates="workshop",
        order_by="WorkshopSession.number",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.title!r}>"


class WorkshopFacilitator(db.Model):
    """A facilitator who runs a workshop (the creator and any co-facilitators)."""

    __tablename__ = "workshop_facilitators"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    def __repr__(self) -> str:
        return f"<WorkshopFacilitator {self.workshop_id} {self.user_id}>"


class WorkshopSession(db.Model):
    """One session (usually half a day) of a workshop."""

    __tablename__ = "workshop_sessions"
    __table_args__ = (
        UniqueConstraint("workshop_id", "number", name="uq_session_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    module_key: Mapped[str | None] = mapped_column(String(64))

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<WorkshopSession {self.workshop_id}#{self.number}>"


class Enrolment(db.Model):
    """A participant on a workshop's roster, with the number printed on the sheets."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id", name="uq_enrolment"),
        UniqueConstraint("workshop_id", "number", name="uq_enrolment_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Enrolment {self.workshop_id} #{self.number} user {self.user_id}>"


class Attendance(db.Model):
    """A participant present at a session; one row per session and person."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_attendance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Attendance session {self.session_id} user {self.user_id}>"


class SetupCode(db.Model):
    """A one-time code with which a person without email sets a password or PIN."""

    __tablename__ = "setup_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SetupCode user {self.user_id}>"
