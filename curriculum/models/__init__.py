"""All models, imported here so that Alembic and the app see every table."""

from curriculum.models.audit import AuditEvent
from curriculum.models.geography import Commune, District, Province
from curriculum.models.people import GENDERS, ROLES, TRACKS, User, UserTrack
from curriculum.models.progress import (
    Certificate,
    LessonView,
    ModuleCompletion,
    QuizAttempt,
    QuizDraft,
    SurveyResponse,
)
from curriculum.models.security import LoginAttempt

__all__ = [
    "GENDERS",
    "ROLES",
    "TRACKS",
    "AuditEvent",
    "Certificate",
    "Commune",
    "District",
    "LessonView",
    "LoginAttempt",
    "ModuleCompletion",
    "Province",
    "QuizAttempt",
    "QuizDraft",
    "SurveyResponse",
    "User",
    "UserTrack",
]
