"""What a set of people contributes to the summary tables, computed from the raw rows.

The same functions serve the rebuild (everyone, in batches) and every write (the
people the write touched, before and after it): a summary is always the sum of its
people's contributions, so it stays exact whatever writes it and in whatever order.
"""

from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from curriculum.models import (
    CmgMonthlyReport,
    LessonView,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
    User,
    UserTrack,
)
from curriculum.models.progress import Certificate
from curriculum.models.summaries import CMG_VALUES, MICRO, TIMELESS

LOCAL = ZoneInfo("Asia/Phnom_Penh")
ALL_KINDS = frozenset(
    ("trainee", "attempt", "taker", "completion", "certificate", "prepost")
)  # "trainee" also makes "trainee_c": trainees per commune (the only commune grain)

Cells = dict[tuple, list[int]]  # cell key -> [n, hits, sum_a, n_a, sum_b, n_b]


def month_key(when: datetime) -> date:
    """Return the first day of the UTC month of a timestamp (periods are UTC days)."""
    return when.astimezone(UTC).date().replace(day=1)


def label_of(when: datetime, dialect: str) -> str:
    """Return the month a report shows a timestamp in, as filters.month_of does."""
    if dialect == "postgresql":
        return when.astimezone(LOCAL).strftime("%Y-%m")
    return when.astimezone(UTC).strftime("%Y-%m")


def micro(percent: float | None) -> int:
    """Return a percent in millionths (summed exactly as integers)."""
    return round(percent * MICRO) if percent is not None else 0


def _people(conn, ids):
    query = select(
        User.id,
        User.role,
        User.province_id,
        User.commune_id,
        User.gender,
        User.age_band,
        User.created_at,
    )
    tracks_query = select(UserTrack.user_id, UserTrack.track)
    if ids is not None:
        query = query.where(User.id.in_(ids))
        tracks_query = tracks_query.where(UserTrack.user_id.in_(ids))
    people = {row.id: row for row in conn.execute(query)}
    tracks: dict[int, list[str]] = defaultdict(list)
    for uid, track in conn.execute(tracks_query):
        tracks[uid].append(track)
    return people, tracks


def people_of(conn, ids, cache: dict):
    """Return (people, tracks) for `ids`, reading only those not in `cache` yet.

    A write's before and after readings, and the flushes of one transaction, need the
    same people: their rows are read once while no flush changes a person or a track.
    """
    missing = [i for i in ids if i not in cache]
    if missing:
        people, tracks = _people(conn, missing)
        for i in missing:
            cache[i] = (people.get(i), tracks.get(i, []))
    people = {i: cache[i][0] for i in ids if cache[i][0] is not None}
    tracks = {i: cache[i][1] for i in ids if cache[i][1]}
    return people, defaultdict(list, tracks)


def _rows(conn, columns, user_column, ids):
    query = select(*columns)
    if ids is not None:
        query = query.where(user_column.in_(ids))
    return conn.execute(query)


def contributions(
    conn, ids, kinds=ALL_KINDS, dialect: str = "sqlite", known=None
) -> Cells:
    """Return the cells the people `ids` (None: everyone) make, for these kinds.

    `known` is (people, tracks) as `people_of` returns them, when the caller has them.
    """
    out: Cells = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    people, tracks = known if known is not None else _people(conn, ids)

    def add(kind, key, month, label, person, track, gender="", age="", values=()):
        commune = (person.commune_id or 0) if kind == "trainee_c" else 0
        cell = out[
            (
                kind,
                key,
                month,
                label,
                person.province_id or 0,
                commune,
                track,
                gender,
                age,
            )
        ]
        for i, value in enumerate(values or (1,)):
            cell[i] += value

    started: set[int] = set()
    if "trainee" in kinds:
        started.update(
            _rows(conn, [LessonView.user_id.distinct()], LessonView.user_id, ids)
            .scalars()
            .all()
        )
    if kinds & {"attempt", "taker", "trainee"}:
        started |= _attempts(conn, ids, kinds, people, tracks, add)
    if "trainee" in kinds:
        _trainees(add, people, tracks, started, dialect)
    if "completion" in kinds:
        _completions(conn, ids, people, tracks, add)
    if "certificate" in kinds:
        _certificates(conn, ids, people, add)
    if "prepost" in kinds:
        _pre_post(conn, ids, people, add)
    return {k: v for k, v in out.items() if any(v)}


def _attempts(conn, ids, kinds, people, tracks, add) -> set[int]:
    """Add attempts and takers; return the people who answered a quiz."""
    takers: set[tuple[int, str]] = set()
    answered: set[int] = set()
    for uid, quiz, when, passed, percent in _rows(
        conn,
        [
            QuizAttempt.user_id,
            QuizAttempt.quiz_key,
            QuizAttempt.submitted_at,
            QuizAttempt.passed,
            QuizAttempt.percent,
        ],
        QuizAttempt.user_id,
        ids,
    ):
        answered.add(uid)
        person = people.get(uid)
        if person is None:
            continue
        takers.add((uid, quiz))
        if "attempt" in kinds:
            values = (1, 1 if passed else 0, micro(percent))
            month = month_key(when)
            for track in [*tracks[uid], "*"]:
                add("attempt", quiz, month, "", person, track, values=values)
    if "taker" in kinds:
        for uid, quiz in takers:
            for track in [*tracks[uid], "*"]:
                add("taker", quiz, TIMELESS, "", people[uid], track)
    return answered


def _completions(conn, ids, people, tracks, add) -> None:
    for uid, module_key, when in _rows(
        conn,
        [
            ModuleCompletion.user_id,
            ModuleCompletion.module_key,
            ModuleCompletion.completed_at,
        ],
        ModuleCompletion.user_id,
        ids,
    ):
        for track in tracks[uid] if uid in people else ():
            add("completion", module_key, month_key(when), "", people[uid], track)


def _certificates(conn, ids, people, add) -> None:
    for uid, track, when, revoked in _rows(
        conn,
        [
            Certificate.user_id,
            Certificate.track,
            Certificate.issued_at,
            Certificate.revoked_at,
        ],
        Certificate.user_id,
        ids,
    ):
        if uid in people and revoked is None:
            add("certificate", "", month_key(when), "", people[uid], track)


def _trainees(add, people, tracks, started, dialect) -> None:
    for uid, person in people.items():
        if person.role != "trainee" or not tracks[uid]:
            continue
        when = person.created_at
        month, label = month_key(when), label_of(when, dialect)
        values = (1, 1 if uid in started else 0)
        for track in [*tracks[uid], "*"]:
            if person.commune_id is not None:
                add("trainee_c", "", month, "", person, track)
            add(
                "trainee",
                "",
                month,
                label,
                person,
                track,
                person.gender or "",
                person.age_band or "",
                values,
            )


def _percent(score, maximum):
    return score * 100.0 / maximum if maximum else None


def _pre_post(conn, ids, people, add) -> None:
    pairs: dict[tuple[int, str], dict[str, object]] = defaultdict(dict)
    for row in _rows(
        conn,
        [
            SurveyResponse.user_id,
            SurveyResponse.instrument,
            SurveyResponse.phase,
            SurveyResponse.kind,
            SurveyResponse.track,
            SurveyResponse.score,
            SurveyResponse.max_score,
            SurveyResponse.submitted_at,
        ],
        SurveyResponse.user_id,
        ids,
    ):
        pairs[(row.user_id, row.instrument)][row.phase] = row
    for (uid, _instrument), phases in pairs.items():
        pre, post = phases.get("pre"), phases.get("post")
        if pre is None or post is None or uid not in people:
            continue
        before = _percent(pre.score, pre.max_score)
        after = _percent(post.score, post.max_score)
        improved = before is not None and after is not None and after > before
        person = people[uid]
        add(
            "prepost",
            pre.kind,
            month_key(post.submitted_at),
            "",
            person,
            pre.track,
            person.gender or "",
            "",
            (
                1,
                1 if improved else 0,
                micro(before),
                0 if before is None else 1,
                micro(after),
                0 if after is None else 1,
            ),
        )


def cmg_contributions(conn, member_ids) -> dict[tuple, list[int]]:
    """Return the (month, commune) sums of these members' monthly reports."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(CMG_VALUES))
    fields = [getattr(CmgMonthlyReport, f) for f in CMG_VALUES[1:]]
    query = select(CmgMonthlyReport.month, CmgMonthlyReport.commune_id, *fields)
    if member_ids is not None:
        query = query.where(CmgMonthlyReport.member_id.in_(member_ids))
    for month, commune_id, *counts in conn.execute(query):
        cell = out[(month, commune_id or 0)]
        cell[0] += 1
        for i, value in enumerate(counts, start=1):
            cell[i] += value or 0
    return dict(out)
