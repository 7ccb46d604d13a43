"""Translation review: reviewers' corrections of the Khmer, their states and history.

The content files stay the source of truth for the repository; these rows hold what
native speakers corrected and approved in the app until `flask content export` writes
it back into the files. `ContentRevision` numbers the corrections, so that every worker
notices a change with one cheap query and swaps its catalogue.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow
from curriculum.models.people import User

REVIEW_STATES = ("draft", "needs_change", "approved")
REVIEW_ACTIONS = ("edit", "approve", "needs_change", "comment", "revert", "import")


class ContentRevision(db.Model):
    """One row: the number of the latest change to reviewers' corrections."""

    __tablename__ = "content_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TranslationReview(db.Model):
    """The review state of one item and its corrected Khmer (None: the file's text)."""

    __tablename__ = "translation_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    km_text: Mapped[str | None] = mapped_column(Text)
    # The English the state was given for: another hash now means "stale".
    en_hash: Mapped[str] = mapped_column(String(16))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    updated_by: Mapped[User | None] = relationship()


class TranslationEvent(db.Model):
    """One reviewer action on an item, kept for ever: who, when, before and after."""

    __tablename__ = "translation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(String(255), index=True)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    en_hash: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()
