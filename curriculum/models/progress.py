"""What trainees did: lessons read, quiz attempts, modules completed."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow


class LessonView(db.Model):
    """The first and latest time a trainee opened a lesson."""

    __tablename__ = "lesson_views"
    __table_args__ = (
        UniqueConstraint("user_id", "module_key", "lesson_key", name="uq_lesson_view"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_key: Mapped[str] = mapped_column(String(64))
    lesson_key: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    content_version: Mapped[str] = mapped_column(String(16))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LessonView {self.user_id} {self.module_key}/{self.lesson_key}>"


class QuizAttempt(db.Model):
    """One submitted quiz, online or entered from a paper sheet.

    The idempotency key is unique, so a repeated submission of the same form cannot
    create a second attempt.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user_quiz", "user_id", "quiz_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_key: Mapped[str] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    seed: Mapped[int] = mapped_column(default=0)
    answers: Mapped[dict] = mapped_column(JSON)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(8), default="online")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content_version: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.user_id} {self.quiz_key} {self.percent}>"


class ModuleCompletion(db.Model):
    """A module passed by a trainee; one row per trainee and module."""

    __tablename__ = "module_completions"
    __table_args__ = (
        UniqueConstraint("user_id", "module_key", name="uq_module_completion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_key: Mapped[str] = mapped_column(String(64), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ModuleCompletion {self.user_id} {self.module_key}>"
