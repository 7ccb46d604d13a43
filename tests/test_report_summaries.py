"""Report summaries: exact after random writes through the services, and rebuildable."""

import random
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import distinct, exists, func, select, update

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    Certificate,
    CmgMonthlyReport,
    Commune,
    Enrolment,
    ModuleCompletion,
    QuizAttempt,
    ReportCell,
    SurveyResponse,
    User,
    Workshop,
    WorkshopSession,
)
from curriculum.services import (
    certificates,
    cmg_reports,
    progress,
    quizzes,
    reports,
    summaries,
    synthetic,
)
from curriculum.services.reports.filters import in_period_dates
from curriculum.services.summaries import items
from tests.factories import make_user


def _answers(quiz, rng):
    out = {}
    for q in quiz.questions:
        wrong = [c.key for c in q.choices if c.key not in q.correct]
        out[q.key] = sorted(q.correct) if rng.random() < 0.7 or not wrong else wrong[:1]
    return out


def _norm(value):
    """Compare figures exactly, means to a millionth of a point (kept in millionths)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if is_dataclass(value):
        return {f.name: _norm(getattr(value, f.name)) for f in fields(value)}
    return repr(value)


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < 1e-5
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if is_dataclass(a):
        return type(a) is type(b) and all(
            _close(getattr(a, f.name), getattr(b, f.name)) for f in fields(a)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def _workshops_raw(f):
    """Workshop figures as first written: joins and COUNT(DISTINCT) over every row."""
    where = [*in_period_dates(Workshop.starts_on, f)]
    if f.province_id is not None:
        where.append(Commune.province_id == f.province_id)
    if f.commune_id is not None:
        where.append(Workshop.commune_id == f.commune_id)
    ids = select(Workshop.id).join(Commune, Commune.id == Workshop.commune_id)
    ids = ids.where(*where).subquery()
    workshops, sessions = db.session.execute(
        select(func.count(distinct(ids.c.id)), func.count(WorkshopSession.id))
        .select_from(ids)
        .outerjoin(WorkshopSession, WorkshopSession.workshop_id == ids.c.id)
    ).one()
    attendances, participants = db.session.execute(
        select(func.count(Attendance.id), func.count(distinct(Attendance.user_id)))
        .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
        .where(WorkshopSession.workshop_id.in_(select(ids.c.id)))
    ).one()
    enrolled = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.workshop_id.in_(select(ids.c.id))
        )
    )
    return reports.WorkshopFigures(
        workshops, sessions, attendances, participants, enrolled
    )


def assert_item_grades_exact():
    """Every stored item grade is what grading the attempt's answers gives now."""
    for attempt in db.session.scalars(select(QuizAttempt)):
        quiz = catalog().quiz(attempt.quiz_key)
        if attempt.item_grades is not None:
            assert attempt.item_grades == items.grades(quiz, attempt.answers)


def assert_exact():
    """The stored cells equal the cells the raw rows make, and every report agrees."""
    db.session.expire_all()
    assert_item_grades_exact()
    stored, stored_cmg = summaries.stored()
    raw, raw_cmg = summaries.computed_from_raw()
    assert stored == raw
    assert stored_cmg == raw_cmg
    today = date.today()
    province = db.session.scalar(select(User.province_id).where(User.role == "trainee"))
    periods = [
        reports.Filters(),
        reports.Filters(start=today - timedelta(days=45), end=today),
        reports.Filters(start=today.replace(day=1) - timedelta(days=400)),
        reports.Filters(end=today - timedelta(days=20)),
        reports.Filters(province_id=province, track="police"),
        reports.Filters(start=today.replace(day=1), track="cmg"),
    ]
    module_quizzes = [q for q in catalog().quizzes.values() if q.kind == "module"]
    for f in periods:
        assert reports.workshop_figures(f) == _workshops_raw(f), f
        for quiz in module_quizzes:
            stored_items = reports.item_analysis(quiz, f)
            assert _close(stored_items, reports.item_analysis(quiz, f, raw=True))
        for compute in (
            lambda raw: reports.reach(f, raw=raw),
            lambda raw: reports.funnel(f, catalog(), raw=raw),
            lambda raw: reports.pre_post(f, "knowledge", raw=raw),
            lambda raw: reports.pre_post(f, "attitude", "province", raw=raw),
            lambda raw: reports.pre_post(f, "knowledge", "gender", raw=raw),
            lambda raw: sorted(
                reports.quiz_summaries(f, raw=raw), key=lambda s: s.quiz_key
            ),
            lambda raw: reports.cmg_activity(f, "group", raw=raw),
            lambda raw: reports.cmg_activity(f, "commune", raw=raw),
        ):
            summary, recomputed = compute(False), compute(True)
            assert _close(summary, recomputed), (f, summary, recomputed)


def _survey(user, kind, phase, rng, when):
    track = user.tracks[0]
    instrument = (
        catalog().track(track).knowledge_test if kind == "knowledge" else "attitude"
    )
    exists = db.session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.user_id == user.id,
            SurveyResponse.instrument == instrument,
            SurveyResponse.phase == phase,
        )
    )
    if exists is not None:
        exists.score = float(rng.randint(0, 10))  # a correction
    else:
        db.session.add(
            SurveyResponse(
                user_id=user.id,
                instrument=instrument,
                kind=kind,
                track=track,
                phase=phase,
                answers={},
                score=float(rng.randint(0, 10)),
                max_score=rng.choice((10.0, 10.0, 0.0)),
                content_version="t",
                locale="km",
                submitted_at=when,
            )
        )
    db.session.commit()


def _write(rng, people, places, staff, today):
    """Do one random write through a service (or as the services do)."""
    person = rng.choice(people)
    choice = rng.randrange(10)
    module_quizzes = [q for q in catalog().quizzes.values() if q.kind == "module"]
    if choice <= 2:
        quiz = rng.choice(module_quizzes)
        quizzes.submit_attempt(
            person,
            quiz,
            _answers(quiz, rng),
            token=quizzes.new_attempt_token(),
            locale="km",
            mode=rng.choice(("online", "paper")),
            entered_by=staff if rng.random() < 0.5 else None,
            catalog=catalog(),
            enforce_policy=False,
        )
        if rng.random() < 0.5:  # backdated, as a paper sheet or a hub bundle is
            attempt = db.session.scalar(
                select(QuizAttempt).order_by(QuizAttempt.id.desc()).limit(1)
            )
            attempt.submitted_at = datetime.now(UTC) - timedelta(
                days=rng.randint(0, 500), hours=rng.randint(0, 23)
            )
            db.session.commit()
    elif choice == 3:
        attempt = db.session.scalar(
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == person.id,
                ~exists().where(ModuleCompletion.attempt_id == QuizAttempt.id),
            )
            .limit(1)
        )
        if attempt is not None:
            quiz = catalog().quiz(attempt.quiz_key)
            if rng.random() < 0.5:
                quizzes.regrade(attempt, quiz, _answers(quiz, rng))
            else:
                db.session.delete(attempt)
                db.session.flush()
            db.session.commit()
    elif choice == 4:
        when = datetime.now(UTC) - timedelta(days=rng.randint(0, 400))
        _survey(
            person,
            rng.choice(("knowledge", "attitude")),
            rng.choice(("pre", "post")),
            rng,
            when,
        )
    elif choice == 5:
        month = (today.replace(day=1) - timedelta(days=rng.randint(0, 200))).replace(
            day=1
        )
        cmg_reports.save_report(
            person,
            month,
            {"sessions_held": rng.randint(0, 5), "men_counselled": rng.randint(0, 4)},
            today,
            by=staff,
        )
    elif choice == 6:
        _move(rng, person, places)
    elif choice == 7:
        person.set_tracks(
            rng.sample(["police", "leaders", "health", "cmg"], rng.randint(1, 2))
        )
        db.session.commit()
    else:
        _other(rng, person, staff, module_quizzes)


def _move(rng, person, places):
    """A person moves, or his sex or age band is corrected."""
    commune = rng.choice(list(places.values()))
    person.commune_id, person.province_id = commune.id, commune.province_id
    person.gender = rng.choice(("female", "male", "unspecified"))
    person.age_band = rng.choice((None, "15-24", "50+"))
    db.session.commit()


def _other(rng, person, staff, module_quizzes):
    """A lesson read for the first time, a certificate revoked, a report deleted."""
    choice = rng.choice((8, 9))
    if choice == 8:
        module = catalog().module(rng.choice(module_quizzes).module_key)
        if module is not None and module.lessons:
            progress.record_lesson_view(person, module.lessons[0], "km")
    else:
        mine = db.session.scalar(
            select(Certificate).where(Certificate.user_id == person.id)
        )
        if mine is not None and mine.revoked_at is None:
            certificates.revoke(mine, "Test.", staff)
        elif db.session.scalar(
            select(CmgMonthlyReport).where(CmgMonthlyReport.member_id == person.id)
        ):
            report = db.session.scalar(
                select(CmgMonthlyReport).where(CmgMonthlyReport.member_id == person.id)
            )
            db.session.delete(report)
            db.session.commit()


@pytest.mark.parametrize("seed", [1, 2])
def test_summaries_equal_the_raw_rows_after_random_writes(app, places, seed):
    rng = random.Random(seed)
    staff = make_user("staff", role="admin")
    people = [
        make_user(
            f"t{i}",
            tracks=rng.sample(
                ["police", "leaders", "health", "cmg"], rng.randint(1, 2)
            ),
            commune=rng.choice(list(places.values())),
        )
        for i in range(8)
    ]
    synthetic.generate(catalog(), 30, seed=seed)  # the bulk path counts its people
    assert_exact()
    today = date.today()
    for step in range(70):
        _write(rng, people, places, staff, today)
        if step % 35 == 34:
            assert_exact()
    gone = people.pop()
    db.session.delete(gone)  # a person deleted: all his rows go, and his counts
    db.session.commit()
    assert_exact()
    assert db.session.scalar(select(ReportCell.n).limit(1)) is not None


def test_a_write_rolled_back_leaves_the_summaries_as_they_were(app, places):
    person = make_user("t1", tracks=["police"], commune=places["pursat_a"])
    quiz = catalog().quiz(
        catalog().module(catalog().track("police").required[0]).quiz_key
    )
    before = summaries.stored()
    db.session.add(
        QuizAttempt(
            user_id=person.id,
            quiz_key=quiz.key,
            idempotency_key="x1",
            answers={},
            points=1.0,
            max_points=2.0,
            percent=50.0,
            passed=False,
            content_version="t",
            locale="km",
        )
    )
    db.session.flush()
    assert summaries.stored() != before
    db.session.rollback()
    assert summaries.stored() == before


def test_a_person_moved_between_two_writes_of_one_transaction_is_counted_where_he_is(
    app, places
):
    # The person rows a transaction read are kept for its next flushes, until a flush
    # writes a person: a move in the middle must not leave the old place in the cells.
    person = make_user("t2", tracks=["police"], commune=places["pursat_a"])
    quiz = catalog().quiz(
        catalog().module(catalog().track("police").required[0]).quiz_key
    )

    def attempt(key):
        db.session.add(
            QuizAttempt(
                user_id=person.id,
                quiz_key=quiz.key,
                idempotency_key=key,
                answers={},
                points=1.0,
                max_points=2.0,
                percent=50.0,
                passed=False,
                content_version="t",
                locale="km",
            )
        )
        db.session.flush()

    attempt("m1")
    person.commune_id = places["prey_veng"].id
    person.province_id = places["prey_veng"].province_id
    db.session.flush()
    attempt("m2")
    db.session.commit()
    assert_exact()


def test_flask_reports_rebuild_recomputes_everything(app, places):
    synthetic.generate(catalog(), 25, seed=7)
    right = summaries.stored()
    assert right == summaries.computed_from_raw()
    # Spoil the cells as a bulk write behind the services' back would.
    db.session.execute(update(ReportCell).values(n=ReportCell.n + 3))
    db.session.commit()
    assert summaries.stored() != right
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "cells" in result.output
    db.session.expire_all()
    assert summaries.stored() == right
    again = runner.invoke(args=["reports", "rebuild"])  # idempotent
    assert again.exit_code == 0
    db.session.expire_all()
    assert summaries.stored() == right
    assert_exact()


def test_a_failed_rebuild_changes_nothing(app, places, monkeypatch):
    synthetic.generate(catalog(), 10, seed=3)
    right = summaries.stored()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    real = summaries._apply
    calls = []

    def half(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            broken()
        return real(*args, **kwargs)

    monkeypatch.setattr(summaries, "_apply", half)
    with pytest.raises(RuntimeError):
        summaries.rebuild()
    monkeypatch.undo()
    db.session.expire_all()
    assert summaries.stored() == right


def test_item_analysis_reads_stored_grades_and_grades_the_rest(app, places):
    """Attempts written without a flush or graded by other answers are graded."""
    synthetic.generate(catalog(), 40, seed=5)  # bulk inserts: no item grades yet
    quiz = max(
        (q for q in catalog().quizzes.values() if q.kind == "module"),
        key=lambda q: db.session.scalar(
            select(func.count()).where(QuizAttempt.quiz_key == q.key)
        ),
    )
    everyone = reports.Filters()
    raw = reports.item_analysis(quiz, everyone, raw=True)
    assert raw[1] > 0
    assert not db.session.scalar(
        select(func.count()).where(QuizAttempt.item_grades.is_not(None))
    )
    assert _close(reports.item_analysis(quiz, everyone), raw)
    summaries.rebuild()  # flask reports rebuild stores them
    db.session.expire_all()
    assert not db.session.scalar(
        select(func.count()).where(QuizAttempt.item_grades.is_(None))
    )
    assert_item_grades_exact()
    assert _close(reports.item_analysis(quiz, everyone), raw)
    # Grades stored by another version of the quiz's answers are not trusted.
    some = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.quiz_key == quiz.key).limit(5)
    ).all()
    for attempt in some:
        db.session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt.id)
            .values(item_grades={"v": "old", "s": 0.0, "r": []})
        )
    db.session.commit()
    assert _close(reports.item_analysis(quiz, everyone), raw)
    # A write through the session stores the grades again.
    changed = [attempt.id for attempt in some]
    for attempt in db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.id.in_(changed))
    ):
        attempt.answers = {k: list(v) for k, v in attempt.answers.items()} | {"x": []}
    db.session.commit()
    db.session.expire_all()
    for attempt in db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.id.in_(changed))
    ):
        assert attempt.item_grades["v"] == items.fingerprint(quiz)
    assert_item_grades_exact()


def test_a_new_attempt_stores_its_item_grades(app, places):
    person = make_user("t1", tracks=["police"], commune=places["pursat_a"])
    quiz = catalog().quiz(
        catalog().module(catalog().track("police").required[0]).quiz_key
    )
    rng = random.Random(4)
    attempt, _created = quizzes.submit_attempt(
        person,
        quiz,
        _answers(quiz, rng),
        token=quizzes.new_attempt_token(),
        locale="km",
        catalog=catalog(),
        enforce_policy=False,
    )
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.item_grades == items.grades(quiz, attempt.answers)
    assert attempt.item_grades["s"] == attempt.points
    wrong = {q.key: [] for q in quiz.questions}
    quizzes.regrade(attempt, quiz, wrong)
    db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.item_grades == items.grades(quiz, wrong)
    assert attempt.item_grades["r"] == []
