"""flask demo --scale N --attempts M: exactly M attempts, consistent, summaries exact."""

from collections import Counter, defaultdict

from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Certificate,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
    User,
    UserTrack,
)
from curriculum.services import summaries, synthetic
from curriculum.services.summaries import items


def _synthetic_ids() -> set[int]:
    return set(
        db.session.scalars(select(User.id).where(User.username.like("syn-%"))).all()
    )


def _check_population(ids: set[int]) -> None:
    """Attempts follow the quiz policy; completions and certificates follow them."""
    cat = catalog()
    attempts = [
        a
        for a in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))
        if a.user_id in ids
    ]
    tries = Counter((a.user_id, a.quiz_key, a.mode) for a in attempts)
    for (_uid, quiz_key, mode), n in tries.items():
        quiz = cat.quiz(quiz_key)
        assert quiz.kind == "module"
        if mode == "online":
            assert n <= quiz.max_attempts
    assert all(a.entered_by_id for a in attempts if a.mode == "paper")
    for a in attempts:  # points are what grading the answers gives
        quiz = cat.quiz(a.quiz_key)
        graded = items.grades(quiz, a.answers)
        assert a.points == graded["s"]
        assert a.item_grades in (None, graded)  # bulk: none until reports rebuild
        assert a.percent == 100.0 * a.points / quiz.max_points
        assert a.passed == (a.percent >= quiz.pass_mark)
    first_pass = {}
    for a in attempts:
        if a.passed:
            first_pass.setdefault((a.user_id, a.quiz_key), a)
    completions = {
        (c.user_id, c.module_key): c
        for c in db.session.scalars(select(ModuleCompletion))
        if c.user_id in ids
    }
    assert len(completions) == len(first_pass)
    for (uid, quiz_key), attempt in first_pass.items():
        completion = completions[(uid, cat.quiz(quiz_key).module_key)]
        assert completion.attempt_id == attempt.id
        assert completion.completed_at == attempt.submitted_at
    tracks = {t.user_id: t.track for t in db.session.scalars(select(UserTrack))}
    passed_modules = defaultdict(set)
    for uid, module_key in completions:
        passed_modules[uid].add(module_key)
    certified = {
        c.user_id for c in db.session.scalars(select(Certificate)) if c.user_id in ids
    }
    for uid in ids:
        required = set(cat.track(tracks[uid]).required)
        assert (uid in certified) == required.issubset(passed_modules[uid])
    posts = {
        r.user_id
        for r in db.session.scalars(
            select(SurveyResponse).where(SurveyResponse.phase == "post")
        )
        if r.user_id in ids
    }
    assert posts <= certified
    submitted = [a.submitted_at for a in attempts]
    assert len({(w.year, w.month) for w in submitted}) >= 6  # spread over months


def test_demo_scale_makes_the_attempts_asked_for(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["demo", "--scale", "80", "--attempts", "700", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "80 trainees, 700 attempts" in result.output
    ids = _synthetic_ids()
    assert len(ids) == 80
    count = db.session.scalar(
        select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id.in_(ids))
    )
    assert count == 700
    modes = Counter(
        db.session.scalars(select(QuizAttempt.mode).where(QuizAttempt.user_id.in_(ids)))
    )
    assert modes["online"] > modes["paper"] > 0
    passed = db.session.scalar(
        select(func.count(QuizAttempt.id)).where(
            QuizAttempt.user_id.in_(ids), QuizAttempt.passed
        )
    )
    assert 0.2 * count < passed < 0.9 * count
    _check_population(ids)
    right = summaries.stored()
    assert right == summaries.computed_from_raw()
    rebuilt = runner.invoke(args=["reports", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    db.session.expire_all()
    assert summaries.stored() == right

    # Again: another population beside the first, everything still consistent.
    again = runner.invoke(args=["demo", "--scale", "30", "--attempts", "150"])
    assert again.exit_code == 0, again.output
    both = _synthetic_ids()
    assert len(both) == 110
    assert (
        db.session.scalar(
            select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id.in_(both))
        )
        == 850
    )
    _check_population(both)
    assert summaries.stored() == summaries.computed_from_raw()


def test_the_default_is_five_attempts_a_trainee(app):
    made = synthetic.generate(catalog(), 40, seed=9)
    assert made.trainees == 40 and made.attempts == 200
    assert summaries.stored() == summaries.computed_from_raw()


def test_more_attempts_than_the_policy_allows_write_nothing(app):
    before = db.session.scalar(select(func.count(User.id)))
    result = app.test_cli_runner().invoke(
        args=["demo", "--scale", "3", "--attempts", "1000"]
    )
    assert result.exit_code != 0
    assert "quiz policy" in result.output
    db.session.expire_all()
    assert not _synthetic_ids()
    assert db.session.scalar(select(func.count(User.id))) >= before
    alone = app.test_cli_runner().invoke(args=["demo", "--attempts", "10"])
    assert alone.exit_code != 0 and "--scale" in alone.output
