"""Several writers at once lose nothing and count nothing twice (SQLite WAL and PostgreSQL)."""

import threading

from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import ModuleCompletion, QuizAttempt, User
from curriculum.services import quizzes
from tests.factories import make_user

THREADS = 8


def _run_in_threads(app, work, count=THREADS):
    errors = []
    barrier = threading.Barrier(count)

    def runner(i):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                work(i)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_the_same_submission_sent_at_once_makes_one_attempt(app):
    user_id = make_user("busy", tracks=["police"]).id
    quiz_key = catalog().modules[0].quiz_key
    db.session.commit()

    def submit(_i):
        quiz = catalog().quiz(quiz_key)
        user = db.session.get(User, user_id)
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        attempt, _created = quizzes.submit_attempt(
            user, quiz, answers, token="same-form-sent-twice", locale="km"
        )
        assert attempt.passed

    _run_in_threads(app, submit)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1


def test_many_trainees_submitting_at_once_are_all_counted(app):
    ids = [make_user(f"t{i}", tracks=["police"]).id for i in range(THREADS)]
    quiz_key = catalog().modules[0].quiz_key

    def submit(i):
        quiz = catalog().quiz(quiz_key)
        user = db.session.get(User, ids[i])
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        for n in range(3):
            quizzes.submit_attempt(
                user, quiz, answers, token=f"user{i}-try{n}", locale="km"
            )

    _run_in_threads(app, submit)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 3 * THREADS
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == THREADS
