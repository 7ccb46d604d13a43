"""On the centre: check a hub bundle, then apply it in one transaction, once.

Each hub row is known by (hub id, kind, local id) in HubRecord, so a bundle imported
twice, or a later bundle that repeats earlier rows, adds nothing the second time.
Participants who already exist centrally (the same Khmer-normalised name in the same
commune, or the central id a prepared hub carries) are matched, not duplicated.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.khmer import name_key
from curriculum.models import (
    Attendance,
    Certificate,
    Commune,
    Enrolment,
    HubImport,
    HubRecord,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
    User,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from curriculum.services import audit
from curriculum.services.hub import bundle
from curriculum.services.hub.bundle import BundleError

KINDS = (
    "people",
    "enrolments",
    "attendance",
    "quiz_attempts",
    "survey_responses",
    "module_completions",
    "certificates",
)


@dataclass
class ImportResult:
    """What an import did: rows added per kind, conflicts (translated), a repeat."""

    bundle_id: str
    hub_id: str
    counts: dict = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    already: bool = False


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str) -> date:
    return date.fromisoformat(value)


class _Importer:
    def __init__(self, document: dict, actor: User | None) -> None:
        self.doc = document
        self.actor = actor
        self.hub_id = str(document["hub_id"])[:64]
        self.result = ImportResult(str(document["bundle_id"])[:64], self.hub_id)
        self.result.counts = dict.fromkeys(KINDS, 0)
        self.maps: dict[str, dict[int, int | None]] = {}

    # -- the identity of hub rows -------------------------------------------------
    def known(self, kind: str, local_id: int) -> int | None:
        return db.session.scalar(
            select(HubRecord.central_id).where(
                HubRecord.hub_id == self.hub_id,
                HubRecord.kind == kind,
                HubRecord.local_id == local_id,
            )
        )

    def remember(self, kind: str, local_id: int, central_id: int) -> None:
        self.maps.setdefault(kind, {})[local_id] = central_id
        if self.known(kind, local_id) is None:
            db.session.add(
                HubRecord(
                    hub_id=self.hub_id,
                    kind=kind,
                    local_id=local_id,
                    central_id=central_id,
                )
            )

    def central(self, kind: str, local_id: int | None) -> int | None:
        if local_id is None:
            return None
        return self.maps.get(kind, {}).get(local_id)

    def conflict(self, message: str) -> None:
        self.result.conflicts.append(message)

    def added(self, kind: str) -> None:
        self.result.counts[kind] += 1

    # -- workshop -----------------------------------------------------------------
    def commune_id(self, code: str | None) -> int | None:
        if not code:
            return None
        return db.session.scalar(select(Commune.id).where(Commune.code == code))

    def workshop(self) -> Workshop:
        part = self.doc["workshop"]
        central_id = self.known("workshop", part["id"]) or part.get("central_id")
        found = db.session.get(Workshop, central_id) if central_id else None
        if found is not None and found.closed_at is not None:
            raise BundleError(
                _(
                    "The workshop “%(title)s” is closed on the central server; "
                    "nothing from this bundle was imported.",
                    title=found.title,
                )
            )
        if found is None:
            commune_id = self.commune_id(part["commune_code"])
            if commune_id is None:
                raise BundleError(
                    _("The bundle's commune is unknown to the central server.")
                )
            found = Workshop(
                title=str(part["title"])[:200],
                commune_id=commune_id,
                starts_on=_day(part["starts_on"]),
                ends_on=_day(part["ends_on"]),
                module_keys=list(part["module_keys"]),
                created_by_id=self.central("user", part["created_by"]) or self.actor.id,
            )
            db.session.add(found)
            db.session.flush()
        self.remember("workshop", part["id"], found.id)
        return found

    def facilitators(self, workshop: Workshop) -> None:
        for local_id in self.doc["workshop"]["facilitators"]:
            user_id = self.central("user", local_id)
            if user_id is None or user_id == workshop.created_by_id:
                continue
            if db.session.get(WorkshopFacilitator, (workshop.id, user_id)) is None:
                db.session.add(
                    WorkshopFacilitator(workshop_id=workshop.id, user_id=user_id)
                )

    def sessions(self, workshop: Workshop) -> None:
        for part in self.doc["workshop"]["sessions"]:
            central_id = self.known("session", part["id"])
            if central_id is None:
                central_id = db.session.scalar(
                    select(WorkshopSession.id).where(
                        WorkshopSession.workshop_id == workshop.id,
                        WorkshopSession.number == part["number"],
                    )
                )
            if central_id is None:
                row = WorkshopSession(
                    workshop_id=workshop.id,
                    number=int(part["number"]),
                    held_on=_day(part["held_on"]),
                    module_key=part.get("module_key"),
                )
                db.session.add(row)
                db.session.flush()
                central_id = row.id
            self.remember("session", part["id"], central_id)

    # -- people -------------------------------------------------------------------
    def match_person(self, part: dict) -> User | None:
        central_id = self.known("user", part["id"]) or part.get("central_id")
        if central_id:
            return db.session.get(User, central_id)
        if part["role"] != "trainee":
            return db.session.scalar(
                select(User).where(User.username == part["username"])
            )
        commune_id = self.commune_id(part.get("commune_code"))
        if commune_id is None:
            return None
        wanted = name_key(part["display_name"])
        same_place = db.session.scalars(
            select(User).where(User.commune_id == commune_id, User.role == "trainee")
        )
        return next((u for u in same_place if name_key(u.display_name) == wanted), None)

    def free_username(self, username: str) -> str:
        candidate, n = username[:60], 1
        while db.session.scalar(select(User.id).where(User.username == candidate)):
            n += 1
            candidate = f"{username[:56]}-{n}"
        return candidate

    def new_person(self, part: dict) -> User:
        commune_id = self.commune_id(part.get("commune_code"))
        commune = db.session.get(Commune, commune_id) if commune_id else None
        user = User(
            username=self.free_username(str(part["username"])),
            display_name=str(part["display_name"])[:200],
            latin_name=part.get("latin_name"),
            phone=part.get("phone"),
            gender=part.get("gender") or "unspecified",
            role="trainee",
            commune_id=commune_id,
            province_id=commune.province_id if commune else None,
            created_by_id=self.actor.id if self.actor else None,
        )
        user.set_tracks(list(part.get("tracks") or []))
        db.session.add(user)
        db.session.flush()
        self.added("people")
        return user

    def people(self) -> None:
        for part in self.doc["people"]:
            user = self.match_person(part)
            if user is None and part["role"] != "trainee":
                self.conflict(
                    _(
                        "The staff account %(username)s is unknown to the central "
                        "server; what it entered is kept without its name.",
                        username=str(part["username"])[:64],
                    )
                )
                continue
            if user is None:
                user = self.new_person(part)
            self.remember("user", part["id"], user.id)

    # -- records ------------------------------------------------------------------
    def enrolments(self, workshop: Workshop) -> None:
        for part in self.doc["enrolments"]:
            user_id = self.central("user", part["user"])
            if user_id is None:
                continue
            row = db.session.scalar(
                select(Enrolment).where(
                    Enrolment.workshop_id == workshop.id, Enrolment.user_id == user_id
                )
            )
            if row is None:
                number = int(part["number"])
                taken = db.session.scalar(
                    select(Enrolment.id).where(
                        Enrolment.workshop_id == workshop.id, Enrolment.number == number
                    )
                )
                if taken:
                    number = 1 + (
                        db.session.scalar(
                            select(func.max(Enrolment.number)).where(
                                Enrolment.workshop_id == workshop.id
                            )
                        )
                        or 0
                    )
                row = Enrolment(
                    workshop_id=workshop.id,
                    user_id=user_id,
                    number=number,
                    enrolled_by_id=self.central("user", part["enrolled_by"]),
                    enrolled_at=_dt(part["enrolled_at"]),
                )
                db.session.add(row)
                db.session.flush()
                self.added("enrolments")
            self.remember("enrolment", part["id"], row.id)

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
            if central_id is None and part["quiz_key"] not in quizzes:
                self.conflict(
                    _(
                        "A quiz attempt for “%(quiz)s” was not imported: the central "
                        "server does not know this quiz.",
                        quiz=str(part["quiz_key"])[:64],
                    )
                )
                continue
            if central_id is None:
                fields = {name: part[name] for name in _ATTEMPT_COLUMNS}
                row = QuizAttempt(**fields, **self._submission_fields(part, user_id))
                db.session.add(row)
                db.session.flush()
                central_id = row.id
                self.added("quiz_attempts")
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
                    _(
                        "A %(phase)s measure was not imported: the central server "
                        "already has one for this participant.",
                        phase=str(part["phase"])[:8],
                    )
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
                self.conflict(_("A certificate was not imported: its code is in use."))
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

    def run(self) -> ImportResult:
        self.people()
        workshop = self.workshop()
        self.facilitators(workshop)
        self.sessions(workshop)
        self.enrolments(workshop)
        self.attendance()
        self.quiz_attempts()
        self.survey_responses()
        self.module_completions()
        self.certificates()
        return self.result


_ATTEMPT_COLUMNS = ("quiz_key", "idempotency_key", "seed", "points", "max_points")
_ATTEMPT_COLUMNS += ("percent", "passed")
_SURVEY_COLUMNS = ("instrument", "kind", "track", "phase", "score", "max_score")


def import_bundle(raw: bytes, actor: User | None) -> ImportResult:
    """Check and apply a bundle in one transaction; raise BundleError to refuse it.

    A bundle already imported changes nothing and says so. The audit event names the
    importer, the bundle id and the counts, never the content.
    """
    document = bundle.unpack(raw)
    try:
        bundle_id = str(document["bundle_id"])[:64]
        previous = db.session.scalar(
            select(HubImport).where(HubImport.bundle_id == bundle_id)
        )
        if previous is not None:
            return ImportResult(bundle_id, previous.hub_id, already=True)
        result = _Importer(document, actor).run()
        db.session.add(
            HubImport(
                bundle_id=bundle_id,
                hub_id=result.hub_id,
                imported_by_id=actor.id if actor else None,
                counts=result.counts,
            )
        )
        audit.record(
            actor,
            "hub.import",
            "hub_bundle",
            bundle_id,
            {
                "hub_id": result.hub_id,
                "counts": result.counts,
                "conflicts": len(result.conflicts),
            },
        )
        db.session.commit()
    except BundleError:
        db.session.rollback()
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        db.session.rollback()
        raise BundleError(
            _("The bundle's content is incomplete or damaged; nothing was imported.")
        ) from exc
    except Exception:
        db.session.rollback()
        raise
    return result
