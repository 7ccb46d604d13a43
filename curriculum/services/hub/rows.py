"""On the centre, importing a hub bundle: attendance and learning records.

A mixin of importer._Importer: each row is applied once (its hub identity is
remembered), attached to the central people and sessions the importer mapped, and a
row that cannot be applied as it came is a conflict, never a failure of the whole.
"""

from sqlalchemy import select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    Certificate,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
)
from curriculum.services.hub.matching import _dt

_ATTEMPT_COLUMNS = ("quiz_key", "idempotency_key", "seed", "points", "max_points")
_ATTEMPT_COLUMNS += ("percent", "passed")
_SURVEY_COLUMNS = ("instrument", "kind", "track", "phase", "score", "max_score")


class RowsMixin:
    """Attendance, quiz attempts, measures, completions and certificates of a bundle."""

    def attendance(self) -> None:
        for part in self.doc["attendance"]:
            user_id = self.central("user", part["user"])
            session_id = self.central("session", part["session"])
            if user_id is None or session_id is None:
                continue
            exists = db.session.scalar(
                select(Attendance.id).where(
                    Attendance.session_id == session_id, Attendance.user_id == user_id
                )
            )
            if exists is None:
                row = Attendance(
                    session_id=session_id,
                    user_id=user_id,
                    marked_by_id=self.central("user", part["marked_by"]),
                    marked_at=_dt(part["marked_at"]),
                )
                db.session.add(row)
                self.added("attendance")

    def _submission_fields(self, part: dict, user_id: int) -> dict:
        return {
            "user_id": user_id,
            "answers": part["answers"],
            "mode": part["mode"],
            "entered_by_id": self.central("user", part["entered_by"]),
            "content_version": part["content_version"],
            "locale": part["locale"],
            "submitted_at": _dt(part["submitted_at"]),
        }

    def quiz_attempts(self) -> None:
        quizzes = catalog().quizzes
        for part in self.doc["quiz_attempts"]:
            user_id = self.central("user", part["user"])
            if user_id is None:
                continue
            central_id = self.known("attempt", part["id"]) or db.session.scalar(
                select(QuizAttempt.id).where(
                    QuizAttempt.idempotency_key == part["idempotency_key"]
                )
            )
            quiz_key = str(part["quiz_key"])[:64]
            if central_id is None and quiz_key not in quizzes:
                self.conflict(
                    "quiz_unknown", "quiz_attempts", part["id"], quiz=quiz_key
                )
                continue
            if central_id is None:
                fields = {name: part[name] for name in _ATTEMPT_COLUMNS}
                row = QuizAttempt(**fields, **self._submission_fields(part, user_id))
                db.session.add(row)
                db.session.flush()
                central_id = row.id
                self.added("quiz_attempts")
                if part["content_version"] != quizzes[quiz_key].version:
                    # Kept as the hub graded it; reports can tell by content_version.
                    self.conflict(
                        "quiz_other_version", "quiz_attempts", part["id"], quiz=quiz_key
                    )
            self.remember("attempt", part["id"], central_id)

    def survey_responses(self) -> None:
        for part in self.doc["survey_responses"]:
            user_id = self.central("user", part["user"])
            if user_id is None or self.known("survey", part["id"]):
                continue
            exists = db.session.scalar(
                select(SurveyResponse.id).where(
                    SurveyResponse.user_id == user_id,
                    SurveyResponse.instrument == part["instrument"],
                    SurveyResponse.phase == part["phase"],
                )
            )
            if exists is not None:
                self.conflict(
                    "measure_exists",
                    "survey_responses",
                    part["id"],
                    phase=str(part["phase"])[:8],
                )
                continue
            fields = {name: part[name] for name in _SURVEY_COLUMNS}
            row = SurveyResponse(**fields, **self._submission_fields(part, user_id))
            db.session.add(row)
            db.session.flush()
            self.remember("survey", part["id"], row.id)
            self.added("survey_responses")

    def module_completions(self) -> None:
        for part in self.doc["module_completions"]:
            user_id = self.central("user", part["user"])
            attempt_id = self.central("attempt", part["attempt"])
            if user_id is None or attempt_id is None:
                continue
            exists = db.session.scalar(
                select(ModuleCompletion.id).where(
                    ModuleCompletion.user_id == user_id,
                    ModuleCompletion.module_key == part["module_key"],
                )
            )
            if exists is None:
                db.session.add(
                    ModuleCompletion(
                        user_id=user_id,
                        module_key=part["module_key"],
                        attempt_id=attempt_id,
                        completed_at=_dt(part["completed_at"]),
                    )
                )
                self.added("module_completions")

    def certificates(self) -> None:
        for part in self.doc["certificates"]:
            user_id = self.central("user", part["user"])
            if user_id is None:
                continue
            mine = db.session.scalar(
                select(Certificate).where(
                    Certificate.user_id == user_id, Certificate.track == part["track"]
                )
            )
            if mine is not None:
                continue
            if db.session.scalar(
                select(Certificate.id).where(Certificate.code == part["code"])
            ):
                self.conflict("certificate_code_taken", "certificates", part["id"])
                continue
            db.session.add(
                Certificate(
                    user_id=user_id,
                    track=part["track"],
                    code=part["code"],
                    issued_at=_dt(part["issued_at"]),
                    revoked_at=_dt(part.get("revoked_at")),
                    revoked_reason=part.get("revoked_reason"),
                )
            )
            self.added("certificates")
