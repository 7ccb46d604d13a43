"""Summary tables the reports read: exact counts kept in step with the raw rows.

Written in the same transaction as the rows they count (services/summaries), rebuilt
from the raw rows by `flask reports rebuild`. No foreign keys and no NULL in a key:
"none" is 0 (a place), "" (a key, an age band, a label) or "*" (every track).

report_cells, one row per
  (kind, key, month, label, province_id, commune_id, track, gender, age_band)
kinds:
  trainee      a trainee on a track (and once with track "*"), by the month he joined;
               hits = those who ever read a lesson or answered a quiz
  trainee_c    the same per commune (only count, no sex or age): the one kind whose
               commune_id is set; every other kind is per province (commune_id 0),
               and a report filtered to one commune reads that commune's raw rows
  attempt      quiz attempts (key: the quiz), by the month submitted, per track of the
               person and once with "*"; hits = passed, sum_a = percent in millionths
  taker        people who ever attempted a quiz (month is TIMELESS)
  completion   modules passed (key: the module), per track of the person
  certificate  valid certificates, by the certificate's track
  prepost      matched pre/post measures (key: knowledge or attitude) by the month of
               the post measure and the pre's track; hits = improved; sum_a/n_a the
               pre percent (millionths, non-null count), sum_b/n_b the post
report_cmg_cells: CMG monthly reports summed per (month, commune).
"""

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from curriculum.extensions import db
from curriculum.models.people import User
from curriculum.models.progress import (
    Certificate,
    LessonView,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
)
from curriculum.models.reports import COUNT_FIELDS
from curriculum.models.workshops import Workshop

TIMELESS = date(1970, 1, 1)  # the month of a figure over all time (kind "taker")
MICRO = 1_000_000  # percent sums are kept as integers: exact under any order of writes


class ReportCell(db.Model):
    """Counts and sums of one kind of event at one grain."""

    __tablename__ = "report_cells"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    label: Mapped[str] = mapped_column(String(7), primary_key=True)
    province_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track: Mapped[str] = mapped_column(String(16), primary_key=True)
    gender: Mapped[str] = mapped_column(String(16), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(8), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    sum_a: Mapped[int] = mapped_column(BigInteger, default=0)
    n_a: Mapped[int] = mapped_column(Integer, default=0)
    sum_b: Mapped[int] = mapped_column(BigInteger, default=0)
    n_b: Mapped[int] = mapped_column(Integer, default=0)


CELL_KEYS = (
    "kind",
    "key",
    "month",
    "label",
    "province_id",
    "commune_id",
    "track",
    "gender",
    "age_band",
)
CELL_VALUES = ("n", "hits", "sum_a", "n_a", "sum_b", "n_b")


class ReportCmgCell(db.Model):
    """CMG monthly reports of one commune in one month, summed."""

    __tablename__ = "report_cmg_cells"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    sessions_held: Mapped[int] = mapped_column(Integer, default=0)
    men_counselled: Mapped[int] = mapped_column(Integer, default=0)
    outcome_stopped: Mapped[int] = mapped_column(Integer, default=0)
    outcome_reduced: Mapped[int] = mapped_column(Integer, default=0)
    outcome_continuing: Mapped[int] = mapped_column(Integer, default=0)
    outcome_unknown: Mapped[int] = mapped_column(Integer, default=0)
    reached_campaigns: Mapped[int] = mapped_column(Integer, default=0)
    reached_leaflets: Mapped[int] = mapped_column(Integer, default=0)
    reached_house_visits: Mapped[int] = mapped_column(Integer, default=0)
    women_reached: Mapped[int] = mapped_column(Integer, default=0)
    men_reached: Mapped[int] = mapped_column(Integer, default=0)


CMG_KEYS = ("month", "commune_id")
CMG_VALUES = ("reports", *COUNT_FIELDS)


# The days before and after a period's whole months are read from the raw rows, by the
# time of each event: these indexes keep those reads to the rows of those days.
EDGE_INDEXES = (
    Index("ix_users_created_at", User.created_at),
    Index("ix_lesson_views_first_at", LessonView.first_at),
    Index("ix_quiz_attempts_submitted_at", QuizAttempt.submitted_at),
    Index("ix_module_completions_completed_at", ModuleCompletion.completed_at),
    Index("ix_certificates_issued_at", Certificate.issued_at),
    Index("ix_survey_responses_submitted_at", SurveyResponse.submitted_at),
    Index("ix_workshops_starts_on", Workshop.starts_on),
)


# Every session's flush keeps the cells in step (curriculum/services/summaries): hooked
# here, where every model is defined, so no write can happen before it is in place.
@event.listens_for(Session, "before_flush")
def _before_flush(session, context, instances) -> None:
    from curriculum.services.summaries import before_flush

    before_flush(session, context, instances)


@event.listens_for(Session, "after_flush")
def _after_flush(session, context) -> None:
    from curriculum.services.summaries import after_flush

    after_flush(session, context)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(session, *_args) -> None:
    from curriculum.services.summaries import forget_people

    forget_people(session)
