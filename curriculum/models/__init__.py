"""All models, imported here so that Alembic and the app see every table.

Rooms (one file per area; import models from here, `from curriculum.models import User`):
- base.py       UTC timestamps (`UTCDateTime`, `utcnow`)
- people.py     User, UserTrack; roles, tracks, genders
- geography.py  Province, District, Commune
- progress.py   LessonView, QuizAttempt, QuizDraft, SurveyResponse (pre/post),
                ModuleCompletion, Certificate; `Submission`, the columns an attempt and
                a response share
- workshops.py  Workshop, WorkshopSession, WorkshopFacilitator, Enrolment, Attendance,
                SetupCode
- vetting.py    VettingCase, CriterionCheck, Decision, ConductConcern (append-only)
- reports.py    CmgMonthlyReport (counts, never names), CommuneGroup, CommuneGroupMember
- audit.py      AuditEvent: who saw or changed what, and when
- security.py   LoginAttempt (throttling counted in the database)
- hub.py        HubImport, HubRecord: bundles from workshop hubs, imported once
- review.py     TranslationReview, TranslationEvent, ContentRevision: reviewers'
                corrections of the Khmer, their states and history
- narration.py  Narration: recorded voice for lesson sections and quiz questions
"""

from curriculum.models.audit import AuditEvent
from curriculum.models.geography import Commune, District, Province
from curriculum.models.hub import HubImport, HubRecord
from curriculum.models.narration import NARRATION_STATES, Narration
from curriculum.models.people import AGE_BANDS, GENDERS, ROLES, TRACKS, User, UserTrack
from curriculum.models.progress import (
    Certificate,
    LessonView,
    ModuleCompletion,
    QuizAttempt,
    QuizDraft,
    SurveyResponse,
)
from curriculum.models.reports import (
    COUNT_FIELDS,
    CmgMonthlyReport,
    CommuneGroup,
    CommuneGroupMember,
)
from curriculum.models.review import (
    REVIEW_STATES,
    ContentRevision,
    TranslationEvent,
    TranslationReview,
)
from curriculum.models.security import LoginAttempt
from curriculum.models.summaries import ReportCell, ReportCmgCell
from curriculum.models.vetting import (
    CASE_STATES,
    OUTCOMES,
    ConductConcern,
    CriterionCheck,
    Decision,
    VettingCase,
)
from curriculum.models.workshops import (
    Attendance,
    Enrolment,
    SetupCode,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)

__all__ = [
    "AGE_BANDS",
    "CASE_STATES",
    "NARRATION_STATES",
    "REVIEW_STATES",
    "ContentRevision",
    "TranslationEvent",
    "TranslationReview",
    "COUNT_FIELDS",
    "GENDERS",
    "OUTCOMES",
    "Attendance",
    "CmgMonthlyReport",
    "CommuneGroup",
    "CommuneGroupMember",
    "ConductConcern",
    "CriterionCheck",
    "Decision",
    "Enrolment",
    "SetupCode",
    "VettingCase",
    "Workshop",
    "WorkshopFacilitator",
    "WorkshopSession",
    "ROLES",
    "TRACKS",
    "AuditEvent",
    "Certificate",
    "Commune",
    "District",
    "HubImport",
    "HubRecord",
    "LessonView",
    "LoginAttempt",
    "ModuleCompletion",
    "Narration",
    "Province",
    "QuizAttempt",
    "QuizDraft",
    "ReportCell",
    "ReportCmgCell",
    "SurveyResponse",
    "User",
    "UserTrack",
]
