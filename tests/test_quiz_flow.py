"""A trainee takes a module quiz: score, explanations, completion, idempotency, policy."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import ModuleCompletion, QuizAttempt
from curriculum.services import quizzes


def first_module():
    return catalog().modules[0]


def right_answers(quiz, wrong: int = 0):
    """Return form data answering every question right except the first `wrong`."""
    data = {}
    for i, question in enumerate(quiz.questions):
        keys = sorted(question.correct)
        if i < wrong:
            keys = [c.key for c in question.choices if c.key not in question.correct][
                :1
            ]
        data[f"q-{question.key}"] = keys
    return data


def token_from(html: str) -> str:
    return re.search(r'name="token"[^>]*value="([^"]+)"', html).group(1)


def test_trainee_passes_a_quiz_and_the_module_counts_as_completed(
    app, client, users, as_user
):
    as_user(users["trainee"])
    quiz = catalog().quiz(first_module().quiz_key)
    page = client.get(f"/quiz/{quiz.key}")
    assert page.status_code == 200
    data = right_answers(quiz) | {"token": token_from(page.get_data(as_text=True))}
    response = client.post(f"/quiz/{quiz.key}", data=data)
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    for question in quiz.questions:
        for key in question.correct:
            assert question.choice(key).explanation.km in html
    completions = db.session.scalar(
        select(func.count(ModuleCompletion.id)).where(
            ModuleCompletion.user_id == users["trainee"].id
        )
    )
    assert completions == 1


def test_result_page_explains_in_english_when_english_is_chosen(
    app, client, users, as_user
):
    as_user(users["trainee"])
    quiz = catalog().quiz(first_module().quiz_key)
    page = client.get(f"/quiz/{quiz.key}?lang=en")
    data = right_answers(quiz, wrong=1) | {
        "token": token_from(page.get_data(as_text=True))
    }
    location = client.post(f"/quiz/{quiz.key}?lang=en", data=data).headers["Location"]
    html = client.get(location + "?lang=en").get_data(as_text=True)
    first = quiz.questions[0]
    wrong_key = data[f"q-{first.key}"][0]
    assert first.choice(wrong_key).explanation.en in html
    assert first.choice(sorted(first.correct)[0]).explanation.en in html


def test_submitting_the_same_attempt_twice_changes_nothing(app, client, users, as_user):
    as_user(users["trainee"])
    quiz = catalog().quiz(first_module().quiz_key)
    token = token_from(client.get(f"/quiz/{quiz.key}").get_data(as_text=True))
    data = right_answers(quiz) | {"token": token}
    first = client.post(f"/quiz/{quiz.key}", data=data)
    second = client.post(f"/quiz/{quiz.key}", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1


def test_a_second_pass_does_not_add_a_second_completion(app, users):
    quiz = catalog().quiz(first_module().quiz_key)
    answers = {q.key: sorted(q.correct) for q in quiz.questions}
    for _ in range(2):
        quizzes.submit_attempt(
            users["trainee"],
            quiz,
            answers,
            token=quizzes.new_attempt_token(),
            locale="km",
        )
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 2
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1


def test_failing_does_not_complete_the_module(app, users):
    quiz = catalog().quiz(first_module().quiz_key)
    attempt, created = quizzes.submit_attempt(
        users["trainee"], quiz, {}, token=quizzes.new_attempt_token(), locale="km"
    )
    assert created and not attempt.passed and attempt.percent == 0
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 0


def test_unanswered_questions_are_named_and_answers_kept(app, client, users, as_user):
    as_user(users["trainee"])
    quiz = catalog().quiz(first_module().quiz_key)
    page = client.get(f"/quiz/{quiz.key}")
    data = right_answers(quiz)
    missing = quiz.questions[-1]
    del data[f"q-{missing.key}"]
    kept = quiz.questions[0]
    data["token"] = token_from(page.get_data(as_text=True))
    response = client.post(f"/quiz/{quiz.key}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0
    key = sorted(kept.correct)[0]
    assert re.search(rf'name="q-{kept.key}" value="{key}" checked', html)
    assert f'class="question invalid" id="{missing.key}"' in html


def test_attempt_policy_stops_after_the_maximum(app, users):
    quiz = catalog().quiz(first_module().quiz_key)
    if not quiz.max_attempts:
        pytest.skip("the first quiz has no maximum")
    for _ in range(quiz.max_attempts):
        allowed = quizzes.eligibility(users["trainee"], quiz)
        assert allowed.allowed
        attempt, _ = quizzes.submit_attempt(
            users["trainee"], quiz, {}, token=quizzes.new_attempt_token(), locale="km"
        )
        # Step past any waiting time, so that only the maximum stops the next one.
        attempt.submitted_at -= timedelta(days=1)
        db.session.commit()
    refused = quizzes.eligibility(users["trainee"], quiz)
    assert not refused.allowed and refused.reason == "max_attempts"
    with pytest.raises(quizzes.AttemptRefused):
        quizzes.submit_attempt(
            users["trainee"], quiz, {}, token=quizzes.new_attempt_token(), locale="km"
        )


def test_choices_are_shuffled_from_the_recorded_seed(app):
    quiz = catalog().quiz(first_module().quiz_key)
    question = next(q for q in quiz.questions if q.type != "truefalse")
    seed = quizzes.seed_for("some-token")
    first = [c.key for c in quizzes.shuffled_choices(question, seed)]
    again = [c.key for c in quizzes.shuffled_choices(question, seed)]
    assert first == again
    assert sorted(first) == sorted(c.key for c in question.choices)
    orders = {
        tuple(
            c.key for c in quizzes.shuffled_choices(question, quizzes.seed_for(str(i)))
        )
        for i in range(30)
    }
    assert len(orders) > 1
