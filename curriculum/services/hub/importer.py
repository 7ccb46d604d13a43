"""On the centre: check a hub bundle, then apply it in one transaction, once.

Each hub row is known by (hub id, kind, local id) in HubRecord, so a bundle imported
twice, or a later bundle that repeats earlier rows, adds nothing the second time.
Participants who already exist centrally (the same Khmer-normalised name in the same
commune, or the central id a prepared hub carries) are matched, not duplicated.

Nothing here is worded for people: a refusal is an `ImportRefused` and a conflict a
`Conflict`, each a code with parameters; curriculum/views/hub_messages.py has the
sentences, so the page speaks the user's language and the command line English.
"""

import hmac
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from curriculum.extensions import db
from curriculum.models import (
    Commune,
    Enrolment,
    HubImport,
    HubRecord,
    User,
    Workshop,
    WorkshopFacilitator,
    WorkshopSession,
)
from curriculum.services import audit
from curriculum.services.hub import bundle
from curriculum.services.hub.bundle import BundleError
from curriculum.services.hub.matching import PeopleMixin, _day, _dt
from curriculum.services.hub.rows import RowsMixin

KINDS = (
    "people",
    "enrolments",
    "attendance",
    "quiz_attempts",
    "survey_responses",
    "module_completions",
    "certificates",
)
# The same as the app's MAX_CONTENT_LENGTH, so the page and the command agree.
MAX_BUNDLE_BYTES = 2 * 1024 * 1024

# Why a bundle was not applied; nothing was written for any of them.
REFUSAL_CODES = (
    "no_key",
    "too_large",
    "not_zip",
    "not_a_bundle",
    "bad_signature",
    "wrong_version",
    "damaged",
    "commune_unknown",
    "workshop_closed",
    "actor_needed",
    "concurrent",
)
# What an applied bundle could not apply as it came (the rest was applied).
CONFLICT_CODES = (
    "staff_unknown",
    "staff_not_staff",
    "name_ambiguous",
    "same_central_person",
    "enrolment_renumbered",
    "quiz_unknown",
    "quiz_other_version",
    "measure_exists",
    "certificate_code_taken",
)


class ImportRefused(Exception):
    """A bundle that was not applied, as a code (REFUSAL_CODES) and parameters."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Conflict:
    """One hub row not applied as it came: a code, the row's kind and hub id, details."""

    code: str
    kind: str
    hub_row: int | None
    params: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    """What an import did: rows added per kind, conflicts, or an earlier import."""

    bundle_id: str
    hub_id: str
    counts: dict = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    already: bool = False
    previous_at: datetime | None = None
    previous_by: str | None = None


@dataclass(frozen=True)
class PastImport:
    """One line of the list of imports: no content, only where, when, who, how many."""

    hub_id: str
    bundle_id: str
    imported_at: datetime
    imported_by: str | None
    counts: dict


class _Importer(PeopleMixin, RowsMixin):
    def __init__(self, document: dict, actor: User | None) -> None:
        self.doc = document
        self.actor = actor
        self.hub_id = str(document["hub_id"])[:64]
        self.result = ImportResult(str(document["bundle_id"])[:64], self.hub_id)
        self.result.counts = dict.fromkeys(KINDS, 0)
        self.maps: dict[str, dict[int, int | None]] = {}
        self.names: dict[int, dict[str, list[User]]] = {}

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

    def conflict(self, code: str, kind: str, hub_row, **params: object) -> None:
        row = int(hub_row) if hub_row is not None else None
        self.result.conflicts.append(Conflict(code, kind, row, params))

    def added(self, kind: str) -> None:
        self.result.counts[kind] += 1

    def owner_id(self) -> int:
        """Return the importer's id, for rows that must name someone; refuse if none."""
        if self.actor is None:
            raise ImportRefused("actor_needed")
        return self.actor.id

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
            raise ImportRefused("workshop_closed", title=found.title)
        if found is None:
            commune_id = self.commune_id(part["commune_code"])
            if commune_id is None:
                raise ImportRefused(
                    "commune_unknown", commune=str(part["commune_code"])[:16]
                )
            found = Workshop(
                title=str(part["title"])[:200],
                commune_id=commune_id,
                starts_on=_day(part["starts_on"]),
                ends_on=_day(part["ends_on"]),
                module_keys=list(part["module_keys"]),
                created_by_id=self.central("user", part["created_by"])
                or self.owner_id(),
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
                    self.conflict(
                        "enrolment_renumbered",
                        "enrolments",
                        part["id"],
                        old=int(part["number"]),
                        new=number,
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


# -- checking a file -------------------------------------------------------------------


def _why_unpack_failed(raw: bytes) -> ImportRefused:
    """Return the refusal for a file bundle.unpack refused.

    bundle.unpack raises with a sentence only; the same checks in the same order give
    the code (see the report of issue 14: a code on BundleError would remove this).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if archive.getinfo(bundle.JSON_NAME).file_size > bundle.MAX_JSON_BYTES:
                return ImportRefused("too_large", max_mb=MAX_BUNDLE_BYTES // 2**20)
            data = archive.read(bundle.JSON_NAME)
            signature = archive.read(bundle.SIGNATURE_NAME).decode("ascii", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        return ImportRefused("not_a_bundle")
    if not hmac.compare_digest(bundle.sign(data), signature.strip()):
        return ImportRefused("bad_signature")
    try:
        document = json.loads(data)
    except ValueError:
        return ImportRefused("not_a_bundle")
    if isinstance(document, dict) and document.get("format") == bundle.FORMAT:
        return ImportRefused(
            "wrong_version",
            version=str(document.get("version"))[:10],
            ours=bundle.VERSION,
        )
    return ImportRefused("not_a_bundle")


def check_bundle(raw: bytes) -> dict:
    """Return a bundle's document once key, size, signature and format check out."""
    try:
        bundle.signing_key()
    except BundleError:
        raise ImportRefused("no_key") from None
    if len(raw) > MAX_BUNDLE_BYTES:
        raise ImportRefused("too_large", max_mb=MAX_BUNDLE_BYTES // 2**20)
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ImportRefused("not_zip")
    try:
        document = bundle.unpack(raw)
    except BundleError as exc:
        raise _why_unpack_failed(raw) from exc
    for name in ("bundle_id", "hub_id"):
        if not isinstance(document.get(name), str) or not document[name]:
            raise ImportRefused("damaged")
    return document


# -- importing -------------------------------------------------------------------------


def previous_import(bundle_id: str) -> HubImport | None:
    """Return the earlier import of this bundle, if there was one."""
    return db.session.scalar(select(HubImport).where(HubImport.bundle_id == bundle_id))


def _already(previous: HubImport) -> ImportResult:
    by = (
        db.session.get(User, previous.imported_by_id)
        if previous.imported_by_id
        else None
    )
    return ImportResult(
        previous.bundle_id,
        previous.hub_id,
        counts=dict(previous.counts or {}),
        already=True,
        previous_at=previous.imported_at,
        previous_by=by.display_name if by else None,
    )


def record_refusal(actor: User | None, code: str, bundle_id: str | None = None) -> None:
    """Audit a refused import: the reason's code and the bundle id, never the file."""
    audit.record(
        actor, "hub.import_refused", "hub_bundle", bundle_id or "-", {"reason": code}
    )
    db.session.commit()


def _apply(document: dict, actor: User | None) -> ImportResult:
    result = _Importer(document, actor).run()
    db.session.add(
        HubImport(
            bundle_id=result.bundle_id,
            hub_id=result.hub_id,
            imported_by_id=actor.id if actor else None,
            counts=result.counts,
        )
    )
    audit.record(
        actor,
        "hub.import",
        "hub_bundle",
        result.bundle_id,
        {
            "hub_id": result.hub_id,
            "counts": result.counts,
            "conflicts": len(result.conflicts),
            "conflict_codes": sorted({c.code for c in result.conflicts}),
        },
    )
    db.session.commit()
    return result


def import_bundle(raw: bytes, actor: User | None) -> ImportResult:
    """Check and apply a bundle in one transaction; raise ImportRefused to refuse it.

    A bundle already imported changes nothing and says when and by whom, also when
    another import of it finished first a moment ago. A refusal is audited with its
    code; the audit of an import names the importer, bundle id and counts, never the
    content.
    """
    try:
        document = check_bundle(raw)
    except ImportRefused as refused:
        record_refusal(actor, refused.code)
        raise
    bundle_id = document["bundle_id"][:64]
    previous = previous_import(bundle_id)
    if previous is not None:
        return _already(previous)
    try:
        return _apply(document, actor)
    except IntegrityError:
        # Another import wrote the same rows first (hub_imports or hub_records keys).
        db.session.rollback()
        previous = previous_import(bundle_id)
        if previous is not None:
            return _already(previous)
        refused = ImportRefused("concurrent")
    except ImportRefused as exc:
        db.session.rollback()
        refused = exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        db.session.rollback()
        refused = ImportRefused("damaged")
        refused.__cause__ = exc
    except Exception:
        db.session.rollback()
        raise
    record_refusal(actor, refused.code, bundle_id)
    raise refused


def recent_imports(limit: int = 50) -> list[PastImport]:
    """Return the latest imports, newest first, with the importer's name."""
    rows = db.session.execute(
        select(HubImport, User.display_name)
        .outerjoin(User, User.id == HubImport.imported_by_id)
        .order_by(HubImport.imported_at.desc(), HubImport.id.desc())
        .limit(limit)
    )
    return [
        PastImport(row.hub_id, row.bundle_id, row.imported_at, name, row.counts or {})
        for row, name in rows
    ]
