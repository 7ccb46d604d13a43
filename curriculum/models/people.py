"""Accounts: trainees, facilitators, committee members and programme staff."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, event, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.extensions import db
from curriculum.khmer import name_key
from curriculum.models.base import UTCDateTime, utcnow
from curriculum.models.geography import Commune, Province

ROLES = ("trainee", "facilitator", "committee", "admin")
AGE_BANDS = ("15-24", "25-34", "35-49", "50+")
TRACKS = ("police", "leaders", "health", "cmg")
GENDERS = ("female", "male", "other", "unspecified")


def new_session_token() -> str:
    """Return a fresh random token that identifies one generation of sessions."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A person who signs in, identified by username (no email needed)."""

    __tablename__ = "users"
    __table_args__ = (
        # The committee's queue finds a scope's candidates through the users of its
        # communes (commune_id, role) and, for accounts without one, through their
        # province: one index serves both and holds the name it sorts by.
        Index(
            "ix_users_commune_role_province",
            "commune_id",
            "role",
            "province_id",
            "display_name",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # curriculum.khmer.name_key(display_name), kept by the events below, so that the
    # same name typed another way is found in every province with one indexed query.
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    latin_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    gender: Mapped[str] = mapped_column(String(16), default="unspecified")
    # Optional, for the reach by age (one of AGE_BANDS; None: not said).
    age_band: Mapped[str | None] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(16), default="trainee", index=True)
    # For staff the scope they work in; for trainees where they live and work.
    province_id: Mapped[int | None] = mapped_column(
        ForeignKey("provinces.id"), index=True
    )
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Sessions carry this token, not the id: rotating it signs out every copy of a
    # cookie (logout, password change, role change).
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_session_token
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Granted by an admin to native speakers: they review and correct the Khmer.
    reviewer: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    province: Mapped[Province | None] = relationship(foreign_keys=[province_id])
    commune: Mapped[Commune | None] = relationship(foreign_keys=[commune_id])
    track_rows: Mapped[list["UserTrack"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Return the session token, so that rotating it ends old sessions."""
        return self.session_token

    def rotate_session_token(self) -> None:
        """Invalidate every session of this user."""
        self.session_token = new_session_token()

    @property
    def tracks(self) -> list[str]:
        """Return the user's track keys in a stable order."""
        keys = {row.track for row in self.track_rows}
        return [t for t in TRACKS if t in keys]

    def set_tracks(self, tracks: list[str]) -> None:
        """Replace the user's tracks."""
        wanted = [t for t in TRACKS if t in set(tracks)]
        self.track_rows = [UserTrack(track=t) for t in wanted]

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserTrack(db.Model):
    """One learning track a trainee follows."""

    __tablename__ = "user_tracks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="track_rows")

    def __repr__(self) -> str:
        return f"<UserTrack {self.user_id} {self.track}>"


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_name_key(_mapper, _connection, user: User) -> None:
    """Keep a person's name key in step with the name as typed."""
    user.name_key = name_key(user.display_name or "")[:200] or None
