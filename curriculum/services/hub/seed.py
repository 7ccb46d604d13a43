"""On a workshop hub: load a seed prepared at the centre (see prepare.py).

The seed is checked before anything is written and loaded in one transaction; each row
is remembered under the hub's id with its central id (HubRecord), so loading the same
seed twice changes nothing and `flask hub export` sends the central ids back.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.models import (
    Commune,
    District,
    Enrolment,
    HubRecord,
    ModuleCompletion,
    Province,
    QuizAttempt,
    SetupCode,
    User,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from curriculum.models.hub import HubSeed
from curriculum.services import audit
from curriculum.services.hub import bundle
from curriculum.services.hub.bundle import BundleError
from curriculum.services.hub.export import current_hub_id
from curriculum.services.hub.prepare import (
    ATTEMPT,
    ATTEMPT_FIELDS,
    COMPLETION,
    ENROLMENT,
    KINDS,
    SESSION,
    SETUP_CODE,
    USER,
    WORKSHOP,
    _dt,
    setup_code_key_id,
)


# -- on the hub ----------------------------------------------------------------
@dataclass
class LoadResult:
    """What loading a seed did: rows added per kind, notes (translated), a repeat."""

    seed_id: str
    workshop_id: int | None = None
    counts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    already: bool = False


class _Loader:
    def __init__(self, document: dict, hub_id: str) -> None:
        self.doc = document
        self.hub_id = hub_id
        self.result = LoadResult(str(document["seed_id"])[:64])
        self.result.counts = dict.fromkeys(KINDS, 0)
        self.users: dict[int, int] = {}

    def local(self, kind: str, central_id: int) -> int | None:
        return db.session.scalar(
            select(HubRecord.local_id).where(
                HubRecord.hub_id == self.hub_id,
                HubRecord.kind == kind,
                HubRecord.central_id == central_id,
            )
        )

    def remember(self, kind: str, local_id: int, central_id: int) -> None:
        db.session.add(
            HubRecord(
                hub_id=self.hub_id,
                kind=kind,
                local_id=local_id,
                central_id=int(central_id),
            )
        )

    def added(self, kind: str) -> None:
        self.result.counts[kind] += 1

    def user(self, central_id: int | None) -> int | None:
        return None if central_id is None else self.users[central_id]

    # -- places -------------------------------------------------------------------
    def places(self) -> None:
        levels = (("provinces", Province), ("districts", District))
        levels += (("communes", Commune),)
        for key, model in levels:
            for part in self.doc["places"][key]:
                code = str(part["code"])
                if db.session.scalar(select(model.id).where(model.code == code)):
                    continue
                row = model(code=code, name_km=part["name_km"])
                row.name_latin = part["name_latin"]
                if model is District:
                    row.province_id = self.place_id(Province, code[:2])
                if model is Commune:
                    row.district_id = self.place_id(District, code[:4])
                    row.province_id = self.place_id(Province, code[:2])
                db.session.add(row)
                db.session.flush()
                self.added("places")

    def place_id(self, model, code: str | None) -> int | None:
        if not code:
            return None
        found = db.session.scalar(select(model.id).where(model.code == code))
        if found is None:
            raise KeyError(code)
        return found

    # -- people -------------------------------------------------------------------
    def people(self) -> None:
        for part in self.doc["people"]:
            central_id = int(part["central_id"])
            local_id = self.local(USER, central_id)
            if local_id is None:
                local_id = self.new_person(part)
                self.remember(USER, local_id, central_id)
                self.added("people")
            self.users[central_id] = local_id

    def new_person(self, part: dict) -> int:
        username = str(part["username"])
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise BundleError(
                _(
                    "The username %(username)s is already used on this hub by another "
                    "account; nothing from this seed was loaded.",
                    username=username[:64],
                )
            )
        user = User(
            username=username,
            display_name=part["display_name"],
            latin_name=part["latin_name"],
            phone=part["phone"],
            gender=part["gender"],
            role=part["role"],
            province_id=self.place_id(Province, part["province_code"]),
            commune_id=self.place_id(Commune, part["commune_code"]),
            locale=part["locale"],
            password_hash=part["password_hash"],
            active=bool(part["active"]),
            created_at=_dt(part["created_at"]),
        )
        user.set_tracks(list(part["tracks"]))
        db.session.add(user)
        db.session.flush()
        return user.id

    # -- the workshop -------------------------------------------------------------
    def workshop(self) -> Workshop:
        part = self.doc["workshop"]
        central_id = int(part["central_id"])
        local_id = self.local(WORKSHOP, central_id)
        if local_id is not None:
            return db.session.get(Workshop, local_id)
        workshop = Workshop(
            title=part["title"],
            commune_id=self.place_id(Commune, part["commune_code"]),
            starts_on=date.fromisoformat(part["starts_on"]),
            ends_on=date.fromisoformat(part["ends_on"]),
            module_keys=list(part["module_keys"]),
            created_by_id=self.user(part["created_by"]),
            created_at=_dt(part["created_at"]),
        )
        db.session.add(workshop)
        db.session.flush()
        self.remember(WORKSHOP, workshop.id, central_id)
        self.added("workshop")
        return workshop

    def facilitators(self, workshop: Workshop) -> None:
        for central_id in self.doc["workshop"]["facilitators"]:
            user_id = self.user(central_id)
            if db.session.get(WorkshopFacilitator, (workshop.id, user_id)) is None:
                db.session.add(
                    WorkshopFacilitator(workshop_id=workshop.id, user_id=user_id)
                )
                self.added("facilitators")

    def sessions(self, workshop: Workshop) -> None:
        for part in self.doc["workshop"]["sessions"]:
            central_id = int(part["central_id"])
            if self.local(SESSION, central_id) is not None:
                continue
            local_id = db.session.scalar(
                select(WorkshopSession.id).where(
                    WorkshopSession.workshop_id == workshop.id,
                    WorkshopSession.number == int(part["number"]),
                )
            )
            if local_id is None:
                row = WorkshopSession(
                    workshop_id=workshop.id,
                    number=int(part["number"]),
                    held_on=date.fromisoformat(part["held_on"]),
                    module_key=part["module_key"],
                )
                db.session.add(row)
                db.session.flush()
                local_id = row.id
                self.added("sessions")
            self.remember(SESSION, local_id, central_id)

    def enrolments(self, workshop: Workshop) -> None:
        for part in self.doc["enrolments"]:
            central_id = int(part["central_id"])
            if self.local(ENROLMENT, central_id) is not None:
                continue
            user_id = self.user(part["user"])
            row = db.session.scalar(
                select(Enrolment).where(
                    Enrolment.workshop_id == workshop.id, Enrolment.user_id == user_id
                )
            )
            if row is None:
                row = Enrolment(
                    workshop_id=workshop.id,
                    user_id=user_id,
                    number=self.free_number(workshop, int(part["number"])),
                    enrolled_by_id=self.user(part["enrolled_by"]),
                    enrolled_at=_dt(part["enrolled_at"]),
                )
                db.session.add(row)
                db.session.flush()
                self.added("enrolments")
            self.remember(ENROLMENT, row.id, central_id)

    def free_number(self, workshop: Workshop, number: int) -> int:
        taken = db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.workshop_id == workshop.id, Enrolment.number == number
            )
        )
        if not taken:
            return number
        highest = db.session.scalar(
            select(func.max(Enrolment.number)).where(
                Enrolment.workshop_id == workshop.id
            )
        )
        return (highest or 0) + 1

    # -- setup codes and completions ------------------------------------------------
    def setup_codes(self) -> None:
        parts = self.doc["setup_codes"]
        if parts and self.doc["setup_code_key_id"] != setup_code_key_id():
            self.result.notes.append(
                ngettext(
                    "%(num)d setup code was not loaded: this hub's SETUP_CODE_KEY is "
                    "not the central server's, so a card printed there cannot work "
                    "here. Print a new setup card on the hub.",
                    "%(num)d setup codes were not loaded: this hub's SETUP_CODE_KEY is "
                    "not the central server's, so cards printed there cannot work "
                    "here. Print new setup cards on the hub.",
                    len(parts),
                )
            )
            return
        for part in parts:
            central_id = int(part["central_id"])
            if self.local(SETUP_CODE, central_id) is not None:
                continue
            code_hash = str(part["code_hash"])
            if db.session.scalar(
                select(SetupCode.id).where(SetupCode.code_hash == code_hash)
            ):
                continue
            row = SetupCode(
                user_id=self.user(part["user"]),
                code_hash=code_hash,
                created_at=_dt(part["created_at"]),
                expires_at=_dt(part["expires_at"]),
            )
            db.session.add(row)
            db.session.flush()
            self.remember(SETUP_CODE, row.id, central_id)
            self.added("setup_codes")

    def module_completions(self) -> None:
        for part in self.doc["module_completions"]:
            central_id = int(part["central_id"])
            if self.local(COMPLETION, central_id) is not None:
                continue
            user_id = self.user(part["user"])
            if db.session.scalar(
                select(ModuleCompletion.id).where(
                    ModuleCompletion.user_id == user_id,
                    ModuleCompletion.module_key == part["module_key"],
                )
            ):
                continue  # passed here already: that completion is the hub's own
            attempt = self.attempt(part["attempt"], user_id)
            row = ModuleCompletion(
                user_id=user_id,
                module_key=part["module_key"],
                attempt_id=attempt.id,
                completed_at=_dt(part["completed_at"]),
            )
            db.session.add(row)
            db.session.flush()
            self.remember(COMPLETION, row.id, central_id)
            self.added("module_completions")

    def attempt(self, part: dict, user_id: int) -> QuizAttempt:
        central_id = int(part["central_id"])
        local_id = self.local(ATTEMPT, central_id)
        if local_id is not None:
            return db.session.get(QuizAttempt, local_id)
        row = QuizAttempt(
            user_id=user_id,
            answers={},
            submitted_at=_dt(part["submitted_at"]),
            **{name: part[name] for name in ATTEMPT_FIELDS},
        )
        db.session.add(row)
        db.session.flush()
        self.remember(ATTEMPT, row.id, central_id)
        return row

    def run(self) -> LoadResult:
        self.places()
        self.people()
        workshop = self.workshop()
        self.facilitators(workshop)
        self.sessions(workshop)
        self.enrolments(workshop)
        self.setup_codes()
        self.module_completions()
        self.result.workshop_id = workshop.id
        return self.result


def _hub_id() -> str:
    if not current_app.config.get("HUB_ID"):
        raise BundleError(_("HUB_ID is not set on this hub."))
    return current_hub_id()


def load_seed(raw: bytes) -> LoadResult:
    """Check a seed, then load it in one transaction; raise BundleError to refuse it.

    The signature, format and version are checked before anything is written. A seed
    loaded before changes nothing; a later seed of the same workshop adds only what is
    new; a seed of another workshop is added beside the first.
    """
    document = bundle.unpack(raw, bundle.SEED_FORMAT, bundle.SEED_VERSION)
    try:
        hub_id = _hub_id()
        seed_id = str(document["seed_id"])[:64]
        previous = db.session.scalar(select(HubSeed).where(HubSeed.seed_id == seed_id))
        if previous is not None:
            return LoadResult(seed_id, previous.workshop_id, already=True)
        result = _Loader(document, hub_id).run()
        db.session.add(
            HubSeed(
                seed_id=seed_id,
                hub_id=hub_id,
                workshop_id=result.workshop_id,
                central_workshop_id=int(document["workshop"]["central_id"]),
                prepared_at=_dt(document["created_at"]),
                counts=result.counts,
            )
        )
        audit.record(None, "hub.seed", "hub_seed", seed_id, {"counts": result.counts})
        db.session.commit()
    except BundleError:
        db.session.rollback()
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        db.session.rollback()
        raise BundleError(
            _("The seed's content is incomplete or damaged; nothing was loaded.")
        ) from exc
    except Exception:
        db.session.rollback()
        raise
    return result
