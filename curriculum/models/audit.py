"""The audit log: who did or saw what, never the sensitive content itself."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One audited action or view."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"
