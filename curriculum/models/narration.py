"""Recorded narration: a person's voice reading one lesson section or quiz question.

One row per part and language (`target` names the part: "lesson:<module>/<lesson>#s2"
or "quiz:<quiz>#q01"). The audio file lies outside static/, named by the SHA-256 of its
bytes; `text_hash` is the hash of the text it reads, so a changed text makes it stale.
A recording reaches trainees once another reviewer (or an admin) approved it.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow
from curriculum.models.people import User

NARRATION_STATES = ("pending", "approved", "rejected")


class Narration(db.Model):
    """The current recording of one part in one language."""

    __tablename__ = "narrations"
    __table_args__ = (UniqueConstraint("target", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(2))
    text_hash: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def extension(self) -> str:
        """Return the file's extension, from its type."""
        return "webm" if self.mime == "audio/webm" else "ogg"
