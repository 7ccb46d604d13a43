"""A realistic synthetic population for reports and benchmarks (`flask demo --scale N`).

Never run against real data: every account gets the same known password. Rows are
written in bulk (COPY on PostgreSQL, executemany on SQLite; synthetic_bulk), in one
transaction, so 100,000 trainees and a million attempts take minutes, not hours. The
attempts, completions, certificates and measures are made by synthetic_learning.
Run again, it adds another population (new usernames) beside the first.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.khmer import name_key
from curriculum.models import (
    Attendance,
    Certificate,
    CmgMonthlyReport,
    Commune,
    CommuneGroup,
    CommuneGroupMember,
    Decision,
    District,
    Enrolment,
    ModuleCompletion,
    Province,
    QuizAttempt,
    SurveyResponse,
    User,
    UserTrack,
    VettingCase,
    Workshop,
    WorkshopSession,
)
from curriculum.models.people import new_session_token
from curriculum.services import accounts, geography, summaries
from curriculum.services import synthetic_bulk as bulk
from curriculum.services import synthetic_learning as learning

PASSWORD = "synthetic-password"  # noqa: S105 - printed for benchmarks; synthetic data only
TRACK_WEIGHTS = {"police": 20, "leaders": 25, "health": 20, "cmg": 35}
FEMALE_SHARE = {"police": 0.12, "leaders": 0.15, "health": 0.7, "cmg": 0.0}
CHUNK = 5000
TooManyAttempts = learning.TooManyAttempts
WRITE_ORDER = (  # parents before children
    User,
    UserTrack,
    QuizAttempt,
    ModuleCompletion,
    Certificate,
    SurveyResponse,
    Workshop,
    WorkshopSession,
    Enrolment,
    Attendance,
    VettingCase,
    Decision,
    CommuneGroup,
    CommuneGroupMember,
    CmgMonthlyReport,
)


@dataclass(frozen=True)
class Generated:
    """How many rows of each kind were made."""

    trainees: int
    attempts: int
    completions: int
    certificates: int
    responses: int
    workshops: int
    attendances: int
    cmg_reports: int


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _communes(rng: random.Random) -> list[Commune]:
    """Return communes to place people in, making a few per province if none exist."""
    geography.ensure_provinces()
    communes = list(db.session.scalars(select(Commune)))
    if len(communes) >= 50:
        return communes
    for province in db.session.scalars(select(Province)):
        code = f"{province.code}90"
        if db.session.scalar(select(District.id).where(District.code == code)) is None:
            geography.upsert_district(
                code, f"ស្រុកសាកល្បង {province.code}", f"Test district {province.code}"
            )
        for n in range(1, 5):
            geography.upsert_commune(
                f"{code}{n:02d}", f"ឃុំសាកល្បង {n}", f"Test commune {province.code}-{n}"
            )
    db.session.commit()
    return list(db.session.scalars(select(Commune)))


def generate(
    catalog: Catalog, scale: int, seed: int = 2026, attempts: int | None = None
) -> Generated:
    """Make `scale` trainees with attempts, completions, measures, workshops, CMG data.

    `attempts` is the exact total of quiz attempts (default: 5 per trainee); more than
    the quiz policy allows raises learning.TooManyAttempts. All in one transaction.
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    communes = _communes(rng)
    now = datetime.now(UTC)
    password_hash = accounts.hash_password(PASSWORD)
    start_index = db.session.scalar(select(func.count(User.id))) or 0
    prefix = hashlib.sha256(f"{seed}-{start_index}".encode()).hexdigest()[:4]
    facilitator = db.session.scalar(
        select(User.id).where(User.role.in_(("facilitator", "admin")))
    )
    try:
        out = bulk.Writer(WRITE_ORDER)
        people = _people(rng, scale, communes, now, prefix, password_hash)
        ids = []
        for person in people:
            uid = out.new_id(User)
            ids.append(uid)
            row = {k: v for k, v in person.items() if not k.startswith("_")}
            out.add(User, row | {"id": uid})
            out.add(UserTrack, {"user_id": uid, "track": person["_track"]})
        made = learning.generate(
            rng,
            catalog,
            out,
            ids,
            people,
            now,
            facilitator,
            5 * scale if attempts is None else attempts,
        )
        workshops, attendances = _workshops(rng, out, ids, people, now, facilitator)
        # CMG: some candidates approved, with monthly reports; communes in two groups
        reports = _cmg(rng, out, ids, people, now, facilitator)
        out.flush()
        out.analyze()
        # Bulk inserts pass no flush: count the new people into the report summaries.
        summaries.add_people(ids)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Generated(
        trainees=len(ids),
        attempts=made.attempts,
        completions=made.completions,
        certificates=made.certificates,
        responses=made.responses,
        workshops=workshops,
        attendances=attendances,
        cmg_reports=reports,
    )


def _people(rng, scale: int, communes, now: datetime, prefix: str, password_hash: str):
    """Return the rows of `scale` synthetic trainees (with their track and ability)."""
    tracks = list(TRACK_WEIGHTS)
    weights = list(TRACK_WEIGHTS.values())
    people = []
    for i in range(scale):
        track = rng.choices(tracks, weights)[0]
        commune = rng.choice(communes)
        female = rng.random() < FEMALE_SHARE[track]
        created = now - timedelta(
            days=rng.randint(0, 730), seconds=rng.randint(0, 86399)
        )
        people.append(
            {
                "username": f"syn-{prefix}-{i:06d}",
                "display_name": f"សិក្ខាកាម {i}",
                "name_key": name_key(f"សិក្ខាកាម {i}"),
                "latin_name": f"Trainee {i}",
                "gender": "female" if female else "male",
                "role": "trainee",
                "province_id": commune.province_id,
                "commune_id": commune.id,
                "password_hash": password_hash,
                "session_token": new_session_token(),
                "active": True,
                "created_at": created,
                "_track": track,
                "_ability": min(0.97, max(0.2, rng.gauss(0.6, 0.14))),
            }
        )
    return people


def _workshops(rng, out, ids, people, now: datetime, facilitator: int | None):
    """Add one workshop per 40 trainees, four sessions, about three in four present."""
    workshops = attendances = 0
    if facilitator is None:
        return workshops, attendances
    order = list(zip(ids, people, strict=True))
    rng.shuffle(order)
    for group in _chunks(order, 40):
        day = (now - timedelta(days=rng.randint(0, 700))).date()
        workshop_id = out.new_id(Workshop)
        workshops += 1
        out.add(
            Workshop,
            {
                "id": workshop_id,
                "title": f"Workshop {workshops}",
                "commune_id": group[0][1]["commune_id"],
                "starts_on": day,
                "ends_on": day + timedelta(days=1),
                "module_keys": [],
                "created_by_id": facilitator,
            },
        )
        session_ids = [out.new_id(WorkshopSession) for _n in range(4)]
        for n, sid in enumerate(session_ids, start=1):
            out.add(
                WorkshopSession,
                {
                    "id": sid,
                    "workshop_id": workshop_id,
                    "number": n,
                    "held_on": day + timedelta(days=(n - 1) // 2),
                },
            )
        for n, (uid, _p) in enumerate(group, start=1):
            out.add(
                Enrolment,
                {"workshop_id": workshop_id, "user_id": uid, "number": n},
            )
        for sid in session_ids:
            for uid, _p in group:
                if rng.random() < 0.75:
                    out.add(Attendance, {"session_id": sid, "user_id": uid})
                    attendances += 1
    return workshops, attendances


def _cmg(rng, out, ids, people, now: datetime, decider: int | None) -> int:
    members = [
        (uid, p) for uid, p in zip(ids, people, strict=True) if p["_track"] == "cmg"
    ]
    approved = [m for m in members if rng.random() < 0.25]
    if not approved or decider is None:
        return 0
    for uid, p in approved:
        case_id = out.new_id(VettingCase)
        out.add(
            VettingCase,
            {
                "id": case_id,
                "candidate_id": uid,
                "criteria_version": "synthetic",
                "state": "approved",
                "review_due_on": (now + timedelta(days=rng.randint(-30, 330))).date(),
                "opened_at": p["created_at"],
                "updated_at": now,
            },
        )
        out.add(
            Decision,
            {
                "case_id": case_id,
                "outcome": "approve",
                "reasons": "Synthetic.",
                "members_present": "Synthetic",
                "decided_by_id": decider,
                "decided_at": now - timedelta(days=rng.randint(30, 400)),
                "criteria_version": "synthetic",
            },
        )
    if not db.session.scalar(select(func.count(CommuneGroup.id))):
        old = [out.new_id(CommuneGroup), out.new_id(CommuneGroup)]
        for group_id, km, en in zip(
            old, ("តំបន់ចាស់", "តំបន់ថ្មី"), ("Old areas", "New areas"), strict=True
        ):
            out.add(CommuneGroup, {"id": group_id, "name_km": km, "name_en": en})
        communes = sorted({p["commune_id"] for _uid, p in approved})
        for i, cid in enumerate(communes):
            out.add(CommuneGroupMember, {"commune_id": cid, "group_id": old[i % 2]})
    rows = []
    for uid, person in approved:
        for back in range(12):
            month = (now.date().replace(day=1) - timedelta(days=30 * back)).replace(
                day=1
            )
            men = rng.randint(0, 4)
            split = [rng.randint(0, men) for _ in range(3)]
            stopped = min(men, split[0])
            reduced = min(men - stopped, split[1])
            continuing = min(men - stopped - reduced, split[2])
            rows.append(
                {
                    "member_id": uid,
                    "commune_id": person["commune_id"],
                    "month": month,
                    "sessions_held": rng.randint(0, 6),
                    "men_counselled": men,
                    "outcome_stopped": stopped,
                    "outcome_reduced": reduced,
                    "outcome_continuing": continuing,
                    "outcome_unknown": men - stopped - reduced - continuing,
                    "reached_campaigns": rng.randint(0, 60),
                    "reached_leaflets": rng.randint(0, 40),
                    "reached_house_visits": rng.randint(0, 15),
                    "submitted_at": now,
                }
            )
    unique = {(r["member_id"], r["month"]): r for r in rows}
    for row in unique.values():
        out.add(CmgMonthlyReport, row)
    return len(unique)
