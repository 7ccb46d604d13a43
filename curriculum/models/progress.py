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


class Submission:
    """The columns a quiz attempt and a survey response share: who, how, which version.

    `mode` is "online" or "paper"; a paper sheet records the facilitator who entered it.
    """

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answers: Mapped[dict] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(8), default="online")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content_version: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(Submission, db.Model):
    """One submitted quiz, online or entered from a paper sheet.

    The idempotency key is unique, so a repeated submission of the same form cannot
    create a second attempt.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_user_quiz", "user_id", "quiz_key"),
        # Reports summarise attempts per quiz from this index alone on PostgreSQL.
        Index(
            "ix_quiz_attempts_quiz_user",
            "quiz_key",
            "user_id",
            postgresql_include=["passed", "percent"],
        ),
        # Item analysis reads a quiz's latest attempts from this index.
        Index("ix_quiz_attempts_quiz_id", "quiz_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_key: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    seed: Mapped[int] = mapped_column(default=0)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    # Each question right or wrong, for item analysis: {"v": the quiz's grading
    # fingerprint, "s": score, "r": keys of the questions right}; set on every flush
    # (services/summaries/items.py), None until then for bulk inserts.
    item_grades: Mapped[dict | None] = mapped_column(JSON)

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


class QuizDraft(db.Model):
    """Answers saved before submission, so that nothing is lost mid-quiz."""

    __tablename__ = "quiz_drafts"
    __table_args__ = (UniqueConstraint("user_id", "quiz_key", name="uq_quiz_draft"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_key: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<QuizDraft {self.user_id} {self.quiz_key}>"


class SurveyResponse(Submission, db.Model):
    """A knowledge test or attitude survey taken before (pre) or after (post) a path.

    Never pass or fail: the score is kept to measure change.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("user_id", "instrument", "phase", name="uq_survey_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "knowledge" or "attitude"
    track: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(8))  # "pre" or "post"
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.user_id} {self.instrument} {self.phase}>"


class Certificate(db.Model):
    """A track completed: printable, publicly verifiable by its code, revocable."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "track", name="uq_certificate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def valid(self) -> bool:
        """Return True unless revoked."""
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Certificate {self.code} {self.track}>"
