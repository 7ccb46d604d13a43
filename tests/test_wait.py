"""The waiting time between failed attempts, from the quiz file."""

from dataclasses import replace
from datetime import timedelta

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models.base import utcnow
from curriculum.services import quizzes


def test_a_failed_attempt_makes_the_trainee_wait(app, users):
    quiz = replace(
        catalog().quiz(catalog().modules[0].quiz_key), wait_minutes=60, max_attempts=0
    )
    attempt, _ = quizzes.submit_attempt(
        users["trainee"], quiz, {}, token=quizzes.new_attempt_token(), locale="km"
    )
    waiting = quizzes.eligibility(users["trainee"], quiz)
    assert not waiting.allowed and waiting.reason == "wait"
    assert waiting.wait_until > utcnow() + timedelta(minutes=59)
    attempt.submitted_at -= timedelta(minutes=61)
    db.session.commit()
    assert quizzes.eligibility(users["trainee"], quiz).allowed
