"""The hub seed: what one workshop needs on a laptop, written at the centre, loaded on it.

At the centre, `build_seed` gathers the workshop, its sessions and places, its
facilitators and enrolled participants (with their password hashes, so the same
password or PIN works offline), their unused setup codes and their module completions.
Nothing else: no vetting, no other workshop, no answers, no audit. Every row carries
its central id.

On the hub, `load_seed` checks the signature first, then writes everything in one
transaction. Each row it writes is remembered as a HubRecord (hub id, kind, local id)
-> central id, so loading the same seed again adds nothing and `flask hub export`
later sends central ids and leaves out what came from the centre.
"""

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

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
from curriculum.models.base import utcnow
from curriculum.models.hub import HubSeed
from curriculum.services import audit
from curriculum.services.hub import bundle
from curriculum.services.hub.bundle import BundleError
from curriculum.services.hub.export import current_hub_id, curriculum_versions
from curriculum.services.setup_codes import code_key

KINDS = (
    "places",
    "people",
    "workshop",
    "sessions",
    "facilitators",
    "enrolments",
    "setup_codes",
    "module_completions",
)
# The kinds of HubRecord rows a seed leaves on the hub.
USER, WORKSHOP, SESSION, ENROLMENT = "user", "workshop", "session", "enrolment"
SETUP_CODE, ATTEMPT, COMPLETION = "setup_code", "attempt", "completion"
ATTEMPT_FIELDS = ("quiz_key", "idempotency_key", "seed", "points", "max_points")
ATTEMPT_FIELDS += ("percent", "passed", "mode", "content_version", "locale")


def _when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def setup_code_key_id() -> str:
    """Return a fingerprint of the key setup codes are hashed with (not the key).

    Setup codes are stored as HMACs keyed with SETUP_CODE_KEY (else SECRET_KEY), so a
    code printed at the centre works on a hub only when both have the same key.
    """
    digest = hmac.new(code_key(), b"safe-homes setup-code key id", hashlib.sha256)
    return digest.hexdigest()[:16]


# -- at the centre -------------------------------------------------------------
def _people_ids(workshop: Workshop) -> tuple[list[int], list[int]]:
    facilitators = db.session.scalars(
        select(WorkshopFacilitator.user_id).where(
            WorkshopFacilitator.workshop_id == workshop.id
        )
    ).all()
    enrolled = db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.workshop_id == workshop.id)
    ).all()
    staff = sorted({workshop.created_by_id, *facilitators})
    return staff, sorted(set(enrolled))


def _places(people: list[User], workshop: Workshop) -> dict:
    commune_ids = {workshop.commune_id} | {u.commune_id for u in people}
    communes = db.session.scalars(
        select(Commune)
        .where(Commune.id.in_(commune_ids - {None}))
        .order_by(Commune.code)
    ).all()
    district_ids = {c.district_id for c in communes}
    districts = db.session.scalars(
        select(District).where(District.id.in_(district_ids)).order_by(District.code)
    ).all()
    province_ids = {d.province_id for d in districts} | {u.province_id for u in people}
    provinces = db.session.scalars(
        select(Province)
        .where(Province.id.in_(province_ids - {None}))
        .order_by(Province.code)
    ).all()

    def named(row) -> dict:
        return {"code": row.code, "name_km": row.name_km, "name_latin": row.name_latin}

    return {
        "provinces": [named(p) for p in provinces],
        "districts": [named(d) for d in districts],
        "communes": [named(c) for c in communes],
    }


def _code_of(model, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    return db.session.scalar(select(model.code).where(model.id == row_id))


def _person(user: User) -> dict:
    return {
        "central_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "latin_name": user.latin_name,
        "phone": user.phone,
        "gender": user.gender,
        "role": user.role,
        "tracks": user.tracks,
        "province_code": _code_of(Province, user.province_id),
        "commune_code": _code_of(Commune, user.commune_id),
        "locale": user.locale,
        "password_hash": user.password_hash,
        "active": user.active,
        "created_at": _when(user.created_at),
    }


def _completions(participants: list[int]) -> list[dict]:
    rows = db.session.execute(
        select(ModuleCompletion, QuizAttempt)
        .join(QuizAttempt, QuizAttempt.id == ModuleCompletion.attempt_id)
        .where(ModuleCompletion.user_id.in_(participants))
        .order_by(ModuleCompletion.id)
    ).all()
    out = []
    for completion, attempt in rows:
        summary = {name: getattr(attempt, name) for name in ATTEMPT_FIELDS}
        # The passing attempt's score, never its answers.
        summary["central_id"] = attempt.id
        summary["submitted_at"] = _when(attempt.submitted_at)
        out.append(
            {
                "central_id": completion.id,
                "user": completion.user_id,
                "module_key": completion.module_key,
                "completed_at": _when(completion.completed_at),
                "attempt": summary,
            }
        )
    return out


def build_seed(workshop: Workshop, actor: User | None = None) -> dict:
    """Return the seed document of one workshop; audit it (the caller commits)."""
    if current_app.config.get("HUB_ID"):
        raise BundleError(
            _("A hub seed is prepared on the central server, not on a hub.")
        )
    if workshop.closed_at is not None:
        raise BundleError(_("This workshop is closed; it cannot go to a hub."))
    staff_ids, participant_ids = _people_ids(workshop)
    ids = sorted({*staff_ids, *participant_ids})
    people = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))
    people = list(people)
    trainees = [u.id for u in people if u.id in participant_ids and u.role == "trainee"]
    codes = db.session.scalars(
        select(SetupCode)
        .where(
            SetupCode.user_id.in_(trainees),
            SetupCode.used_at.is_(None),
            SetupCode.expires_at > utcnow(),
        )
        .order_by(SetupCode.id)
    ).all()
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id)
        .order_by(Enrolment.number)
    ).all()
    document = {
        "format": bundle.SEED_FORMAT,
        "version": bundle.SEED_VERSION,
        "seed_id": uuid.uuid4().hex,
        "created_at": utcnow().isoformat(),
        "curriculum": curriculum_versions(),
        "setup_code_key_id": setup_code_key_id(),
        "places": _places(people, workshop),
        "workshop": {
            "central_id": workshop.id,
            "title": workshop.title,
            "commune_code": _code_of(Commune, workshop.commune_id),
            "starts_on": _when(workshop.starts_on),
            "ends_on": _when(workshop.ends_on),
            "module_keys": list(workshop.module_keys or []),
            "created_by": workshop.created_by_id,
            "created_at": _when(workshop.created_at),
            "facilitators": [i for i in staff_ids if i != workshop.created_by_id],
            "sessions": [
                {
                    "central_id": s.id,
                    "number": s.number,
                    "held_on": _when(s.held_on),
                    "module_key": s.module_key,
                }
                for s in workshop.sessions
            ],
        },
        "people": [_person(u) for u in people],
        "enrolments": [
            {
                "central_id": e.id,
                "user": e.user_id,
                "number": e.number,
                "enrolled_by": e.enrolled_by_id if e.enrolled_by_id in ids else None,
                "enrolled_at": _when(e.enrolled_at),
            }
            for e in enrolments
        ],
        "setup_codes": [
            {
                "central_id": c.id,
                "user": c.user_id,
                "code_hash": c.code_hash,
                "created_at": _when(c.created_at),
                "expires_at": _when(c.expires_at),
            }
            for c in codes
        ],
        "module_completions": _completions(participant_ids),
    }
    audit.record(
        actor,
        "hub.prepare",
        "workshop",
        workshop.id,
        {
            "seed_id": document["seed_id"],
            "people": len(document["people"]),
            "setup_codes": len(codes),
            "module_completions": len(document["module_completions"]),
        },
    )
    return document


def prepare_seed(workshop: Workshop, actor: User | None = None) -> bytes:
    """Return the signed seed (zip bytes) of one workshop and commit its audit event."""
    document = build_seed(workshop, actor)
    raw = bundle.pack(document)
    db.session.commit()
    return raw


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
