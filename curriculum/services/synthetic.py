"""A realistic synthetic population for reports and benchmarks (`flask demo --scale N`).

Never run against real data: every account gets the same known password. Rows are
written with bulk inserts, so 100,000 trainees and a million attempts take minutes,
not hours.
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

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
from curriculum.services.certificates import new_code

PASSWORD = "synthetic-password"  # noqa: S105 - printed for benchmarks; synthetic data only
TRACK_WEIGHTS = {"police": 20, "leaders": 25, "health": 20, "cmg": 35}
FEMALE_SHARE = {"police": 0.12, "leaders": 0.15, "health": 0.7, "cmg": 0.0}
CHUNK = 5000


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


def _insert(model, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = db.session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars())
    return ids


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


def generate(catalog: Catalog, scale: int, seed: int = 2026) -> Generated:
    """Make `scale` trainees with attempts, completions, measures, workshops, CMG data."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    communes = _communes(rng)
    now = datetime.now(UTC)
    password_hash = accounts.hash_password(PASSWORD)
    start_index = db.session.scalar(select(func.count(User.id))) or 0
    prefix = hashlib.sha256(f"{seed}-{start_index}".encode()).hexdigest()[:4]

    people = _people(rng, scale, communes, now, prefix, password_hash)
    user_rows = [{k: v for k, v in p.items() if not k.startswith("_")} for p in people]
    ids = _insert_returning_ids(User, user_rows)
    _insert(
        UserTrack,
        [
            {"user_id": uid, "track": p["_track"]}
            for uid, p in zip(ids, people, strict=True)
        ],
    )
    learning = _learning(rng, catalog, ids, people, now)
    _insert_learning(learning)
    facilitator = db.session.scalar(
        select(User.id).where(User.role.in_(("facilitator", "admin")))
    )
    workshops, attendances = _workshops(rng, ids, people, now, facilitator)
    # CMG: some candidates approved, with monthly reports; communes in two groups
    reports = _cmg(rng, ids, people, now, facilitator)
    # Bulk inserts pass no flush: count the new people into the report summaries.
    summaries.add_people(ids)
    db.session.commit()
    return Generated(
        trainees=len(ids),
        attempts=len(learning.attempts),
        completions=len(learning.completions),
        certificates=len(learning.certificates),
        responses=len(learning.responses),
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


@dataclass
class _Learning:
    attempts: list = field(default_factory=list)
    completions: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    responses: list = field(default_factory=list)


def _learning(rng, catalog: Catalog, ids, people, now: datetime) -> _Learning:
    """Return attempts, completions, certificates and pre/post measures of everyone."""
    out = _Learning()
    difficulty = {
        (q_key, q.key): rng.uniform(-0.15, 0.1)
        for q_key, quiz in catalog.quizzes.items()
        for q in quiz.questions
    }
    for uid, person in zip(ids, people, strict=True):
        track = catalog.track(person["_track"])
        if track is None:
            continue
        ability, created = person["_ability"], person["created_at"]
        path = list(track.required)
        reach = rng.choices(
            range(len(path) + 1), weights=[2] + [2] * (len(path) - 1) + [14]
        )[0]
        when = created + timedelta(days=rng.randint(0, 20))
        passed_all = True
        for module_key in path[:reach]:
            passed, when = _module_attempts(
                rng, catalog, out, uid, module_key, ability, difficulty, when, now
            )
            if passed is None:
                continue
            if not passed:
                passed_all = False
                break
        done = passed_all and reach == len(path)
        if done:
            out.certificates.append(
                {
                    "user_id": uid,
                    "track": track.key,
                    "code": new_code(),
                    "issued_at": when,
                }
            )
        _measures(rng, catalog, out, uid, track, ability, created, done, when)
    return out


def _module_attempts(
    rng, catalog, out, uid, module_key, ability, difficulty, when, now
):
    """Add a trainee's attempts at one module's quiz; return (passed, last time)."""
    module = catalog.module(module_key)
    quiz = catalog.quiz(module.quiz_key) if module else None
    if quiz is None:
        return None, when
    for _attempt in range(rng.choice((2, 3, 4, 4, 5))):
        when += timedelta(days=rng.randint(1, 10), minutes=rng.randint(0, 600))
        if when > now:
            when = now - timedelta(minutes=rng.randint(1, 600))
        answers, right = {}, 0.0
        for q in quiz.questions:
            ok = rng.random() < ability - difficulty[(quiz.key, q.key)]
            wrong = [c.key for c in q.choices if c.key not in q.correct]
            answers[q.key] = (
                sorted(q.correct) if ok or not wrong else [rng.choice(wrong)]
            )
            right += q.points if ok or not wrong else 0
        percent = 100.0 * right / quiz.max_points
        did_pass = percent >= (quiz.pass_mark or 0)
        token = f"syn-{uid}-{quiz.key}-{_attempt}"
        out.attempts.append(
            {
                "user_id": uid,
                "quiz_key": quiz.key,
                "idempotency_key": token,
                "seed": int(hashlib.sha256(token.encode()).hexdigest()[:7], 16),
                "answers": answers,
                "points": right,
                "max_points": quiz.max_points,
                "percent": percent,
                "passed": did_pass,
                "mode": "online",
                "content_version": quiz.version,
                "locale": "km",
                "submitted_at": when,
            }
        )
        if did_pass:
            out.completions.append(
                {
                    "user_id": uid,
                    "module_key": module_key,
                    "_token": token,
                    "completed_at": when,
                }
            )
            return True, when
    return False, when


def _measures(rng, catalog, out, uid, track, ability, created, done, when) -> None:
    """Add a trainee's pre (and, when the path is done, post) measures."""
    pre_taken = rng.random() < 0.7
    measures = [
        ("knowledge", track.knowledge_test),
        ("attitude", catalog.attitude.key if catalog.attitude else None),
    ]
    for kind, instrument in measures:
        if not instrument or not pre_taken:
            continue
        maximum = 10.0 if kind == "knowledge" else 3.0 * len(catalog.attitude.items)
        base = (
            (ability - 0.15) if kind == "knowledge" else 0.55 + rng.uniform(-0.15, 0.15)
        )
        pre_score = round(max(0.0, min(1.0, base + rng.uniform(-0.1, 0.1))) * maximum)
        out.responses.append(
            _response(
                uid, instrument, kind, track.key, "pre", pre_score, maximum, created
            )
        )
        if done and rng.random() < 0.8:
            gain = rng.uniform(-0.05, 0.3)
            post_score = round(min(maximum, pre_score + gain * maximum))
            out.responses.append(
                _response(
                    uid, instrument, kind, track.key, "post", post_score, maximum, when
                )
            )


def _insert_learning(learning: _Learning) -> None:
    attempts, completions = learning.attempts, learning.completions
    certificates, responses = learning.certificates, learning.responses
    attempt_ids = _insert_returning_ids(QuizAttempt, attempts)
    by_token = {
        a["idempotency_key"]: aid for a, aid in zip(attempts, attempt_ids, strict=True)
    }
    _insert(
        ModuleCompletion,
        [
            {
                "user_id": c["user_id"],
                "module_key": c["module_key"],
                "attempt_id": by_token[c["_token"]],
                "completed_at": c["completed_at"],
            }
            for c in completions
        ],
    )
    _insert(Certificate, certificates)
    _insert(SurveyResponse, responses)


def _workshops(rng, ids, people, now: datetime, facilitator: int | None):
    """Add one workshop per 40 trainees, four sessions, about three in four present."""
    workshops = attendances = 0
    if facilitator is not None:
        order = list(zip(ids, people, strict=True))
        rng.shuffle(order)
        for group in _chunks(order, 40):
            commune_id = group[0][1]["commune_id"]
            day = (now - timedelta(days=rng.randint(0, 700))).date()
            workshop_id = _insert_returning_ids(
                Workshop,
                [
                    {
                        "title": f"Workshop {workshops + 1}",
                        "commune_id": commune_id,
                        "starts_on": day,
                        "ends_on": day + timedelta(days=1),
                        "module_keys": [],
                        "created_by_id": facilitator,
                    }
                ],
            )[0]
            session_ids = _insert_returning_ids(
                WorkshopSession,
                [
                    {
                        "workshop_id": workshop_id,
                        "number": n,
                        "held_on": day + timedelta(days=(n - 1) // 2),
                    }
                    for n in range(1, 5)
                ],
            )
            _insert(
                Enrolment,
                [
                    {"workshop_id": workshop_id, "user_id": uid, "number": n}
                    for n, (uid, _p) in enumerate(group, start=1)
                ],
            )
            marks = [
                {"session_id": sid, "user_id": uid}
                for sid in session_ids
                for uid, _p in group
                if rng.random() < 0.75
            ]
            _insert(Attendance, marks)
            workshops += 1
            attendances += len(marks)

    return workshops, attendances


def _response(uid, instrument, kind, track, phase, score, maximum, when) -> dict:
    return {
        "user_id": uid,
        "instrument": instrument,
        "kind": kind,
        "track": track,
        "phase": phase,
        "answers": {},
        "score": float(score),
        "max_score": float(maximum),
        "mode": "online",
        "content_version": "synthetic",
        "locale": "km",
        "submitted_at": when,
    }


def _cmg(rng: random.Random, ids, people, now: datetime, decider: int | None) -> int:
    members = [
        (uid, p) for uid, p in zip(ids, people, strict=True) if p["_track"] == "cmg"
    ]
    approved = [m for m in members if rng.random() < 0.25]
    if not approved or decider is None:
        return 0
    case_ids = _insert_returning_ids(
        VettingCase,
        [
            {
                "candidate_id": uid,
                "criteria_version": "synthetic",
                "state": "approved",
                "review_due_on": (now + timedelta(days=rng.randint(-30, 330))).date(),
                "opened_at": p["created_at"],
                "updated_at": now,
            }
            for uid, p in approved
        ],
    )
    _insert(
        Decision,
        [
            {
                "case_id": cid,
                "outcome": "approve",
                "reasons": "Synthetic.",
                "members_present": "Synthetic",
                "decided_by_id": decider,
                "decided_at": now - timedelta(days=rng.randint(30, 400)),
                "criteria_version": "synthetic",
            }
            for cid in case_ids
        ],
    )
    if not db.session.scalar(select(func.count(CommuneGroup.id))):
        old = _insert_returning_ids(
            CommuneGroup,
            [
                {"name_km": "តំបន់ចាស់", "name_en": "Old areas"},
                {"name_km": "តំបន់ថ្មី", "name_en": "New areas"},
            ],
        )
        communes = sorted({p["commune_id"] for _uid, p in approved})
        _insert(
            CommuneGroupMember,
            [
                {"commune_id": cid, "group_id": old[i % 2]}
                for i, cid in enumerate(communes)
            ],
        )
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
    _insert(CmgMonthlyReport, list(unique.values()))
    return len(unique)
