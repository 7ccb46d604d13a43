"""Correcting a paper quiz sheet typed wrongly: re-graded in place, audited, never twice."""

import pytest
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import AuditEvent, Certificate, ModuleCompletion, QuizAttempt
from curriculum.services import certificates, grading, workshops
from tests.factories import (
    answers_scoring,
    as_form,
    enrol_people,
    first_quiz,
    make_workshop,
)


@pytest.fixture()
def workshop(app, users, places):
    return make_workshop(users["facilitator"], places["pursat_a"])


def _sheet(client, workshop, quiz, number=1):
    return f"/workshops/{workshop.id}/paper/{quiz.key}/{number}?lang=en"


def _correct(client, url, answers):
    data = as_form(answers) | {"action": "correct"}
    return client.post(url, data=data, follow_redirects=True)


def _completion(person, quiz):
    return db.session.scalar(
        select(ModuleCompletion).where(
            ModuleCompletion.user_id == person.id,
            ModuleCompletion.module_key == quiz.module_key,
        )
    )


def test_a_corrected_sheet_is_regraded_in_place_and_the_module_is_completed(
    client, users, as_user, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    wrong = answers_scoring(quiz, wrong=len(quiz.questions))
    as_user(users["facilitator"])
    url = _sheet(client, workshop, quiz)
    client.post(url, data=as_form(wrong))
    first = db.session.scalar(select(QuizAttempt))
    assert not first.passed and _completion(person, quiz) is None
    page = client.get(url).get_data(as_text=True)
    assert (
        "Correct this sheet" in page
        and " disabled" not in page.split("paper-form")[1].split("</form>")[0]
    )
    right = answers_scoring(quiz)
    done = _correct(client, url, right).get_data(as_text=True)
    assert "Sheet 1 is corrected: 100% (before: 0%)." in done
    db.session.expire_all()
    attempts = list(db.session.scalars(select(QuizAttempt)))
    assert len(attempts) == 1 and attempts[0].id == first.id
    assert attempts[0].passed and attempts[0].percent == 100
    assert attempts[0].answers == right
    assert attempts[0].percent == grading.grade(quiz, right).percent
    assert _completion(person, quiz).attempt_id == first.id


def test_the_audit_keeps_the_old_and_the_new_answers(client, users, as_user, workshop):
    enrol_people(workshop, users["facilitator"], 1)
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    url = _sheet(client, workshop, quiz)
    client.post(url, data=as_form(answers_scoring(quiz, wrong=1)))
    _correct(client, url, answers_scoring(quiz))
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "quiz.paper_correction")
    )
    assert event.actor_id == users["facilitator"].id
    first_key = quiz.questions[0].key
    assert event.detail["old"]["answers"][first_key] != sorted(
        quiz.questions[0].correct
    )
    assert event.detail["new"]["answers"][first_key] == sorted(
        quiz.questions[0].correct
    )
    assert event.detail["old"]["percent"] < event.detail["new"]["percent"] == 100


def test_the_same_correction_twice_changes_nothing_the_second_time(
    client, users, as_user, workshop
):
    enrol_people(workshop, users["facilitator"], 1)
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    url = _sheet(client, workshop, quiz)
    client.post(url, data=as_form(answers_scoring(quiz, wrong=2)))
    _correct(client, url, answers_scoring(quiz))
    again = _correct(client, url, answers_scoring(quiz)).get_data(as_text=True)
    assert "Sheet 1 is unchanged: the answers are the same." in again
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    corrections = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "quiz.paper_correction"
    )
    assert db.session.scalar(corrections) == 1


def test_a_correction_that_fails_the_sheet_removes_the_completion(
    client, users, as_user, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    url = _sheet(client, workshop, quiz)
    client.post(url, data=as_form(answers_scoring(quiz)))
    assert _completion(person, quiz) is not None
    _correct(client, url, answers_scoring(quiz, wrong=len(quiz.questions)))
    db.session.expire_all()
    assert _completion(person, quiz) is None


def test_another_passed_attempt_keeps_the_module_completed(users, workshop):
    from curriculum.services import quizzes

    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    workshops.enter_paper_quiz(
        workshop,
        person,
        quiz,
        answers_scoring(quiz),
        users["facilitator"],
        locale="en",
        catalog=catalog(),
    )
    online, _ = quizzes.submit_attempt(
        person,
        quiz,
        answers_scoring(quiz),
        token="online-1",
        locale="en",
        enforce_policy=False,
    )
    wrong = answers_scoring(quiz, wrong=len(quiz.questions))
    workshops.correct_paper_quiz(
        workshop, person, quiz, wrong, users["facilitator"], catalog=catalog()
    )
    assert _completion(person, quiz).attempt_id == online.id


def test_a_certificate_resting_on_the_sheet_is_withdrawn_and_comes_back(
    users, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    track = catalog().track(person.tracks[0])
    by = users["facilitator"]
    for key in track.required:
        module_quiz = catalog().quiz(catalog().module(key).quiz_key)
        from curriculum.services import quizzes

        quizzes.submit_attempt(
            person,
            module_quiz,
            answers_scoring(module_quiz),
            token=f"t-{key}",
            locale="en",
            enforce_policy=False,
            catalog=catalog(),
        )
    # The first required module's pass becomes this workshop's paper sheet, which is
    # then corrected to a fail and back.
    quiz = catalog().quiz(catalog().module(track.required[0]).quiz_key)
    db.session.execute(
        QuizAttempt.__table__.update()
        .where(QuizAttempt.idempotency_key == f"t-{track.required[0]}")
        .values(
            idempotency_key=workshops.paper_token(workshop, person, quiz.key),
            mode="paper",
        )
    )
    db.session.commit()
    (certificate,) = certificates.for_user(person)
    assert certificate.revoked_at is None
    wrong = answers_scoring(quiz, wrong=len(quiz.questions))
    done = workshops.correct_paper_quiz(
        workshop, person, quiz, wrong, by, catalog=catalog()
    )
    assert done.withdrawn == (track.key,)
    db.session.refresh(certificate)
    assert certificate.revoked_reason == certificates.CORRECTION_REASON
    done = workshops.correct_paper_quiz(
        workshop, person, quiz, answers_scoring(quiz), by, catalog=catalog()
    )
    assert done.restored == (track.key,)
    db.session.refresh(certificate)
    assert certificate.revoked_at is None
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_a_correction_is_refused_once_the_workshop_is_closed(
    client, users, as_user, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    url = _sheet(client, workshop, quiz)
    client.post(url, data=as_form(answers_scoring(quiz, wrong=2)))
    before = db.session.scalar(select(QuizAttempt.percent))
    workshops.close_workshop(workshop, users["facilitator"])
    page = client.get(url).get_data(as_text=True)
    assert "Correct this sheet" not in page
    refused = _correct(client, url, answers_scoring(quiz)).get_data(as_text=True)
    assert "This workshop is closed. Reopen it to change it." in refused
    db.session.expire_all()
    assert db.session.scalar(select(QuizAttempt.percent)) == before
    with pytest.raises(workshops.WorkshopError) as info:
        workshops.correct_paper_quiz(
            workshop,
            person,
            quiz,
            answers_scoring(quiz),
            users["facilitator"],
            catalog=catalog(),
        )
    assert info.value.code == "workshop_closed"


def test_a_sheet_never_entered_cannot_be_corrected(users, workshop):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    with pytest.raises(workshops.WorkshopError) as info:
        workshops.correct_paper_quiz(
            workshop,
            person,
            quiz,
            answers_scoring(quiz),
            users["facilitator"],
            catalog=catalog(),
        )
    assert info.value.code == "no_sheet"
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_a_pre_test_sheet_is_corrected_in_place_and_audited(
    client, users, as_user, workshop
):
    from curriculum.models import SurveyResponse

    enrol_people(workshop, users["facilitator"], 1)
    test = catalog().quiz("knowledge-police")
    as_user(users["facilitator"])
    url = f"/workshops/{workshop.id}/measures/knowledge-police/pre/1?lang=en"
    client.post(url, data=as_form(answers_scoring(test, wrong=3)))
    low = db.session.scalar(select(SurveyResponse.score))
    assert "Correct this sheet" in client.get(url).get_data(as_text=True)
    data = as_form(answers_scoring(test)) | {"action": "correct"}
    page = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Sheet 1 is corrected." in page
    db.session.expire_all()
    (response,) = db.session.scalars(select(SurveyResponse)).all()
    assert response.score == test.max_points > low
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "survey.paper_correction")
    )
    assert event.detail["old"]["score"] == low
    assert event.detail["new"]["score"] == test.max_points
    again = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Sheet 1 is unchanged: the answers are the same." in again


def test_answers_a_trainee_gave_online_cannot_be_corrected_on_paper(users, workshop):
    from curriculum.services import surveys

    person = enrol_people(workshop, users["facilitator"], 1)[0]
    test = catalog().quiz("knowledge-police")
    offer = surveys.Offer("knowledge-police", "knowledge", "police", "pre")
    surveys.submit(person, catalog(), offer, answers_scoring(test, 2), locale="en")
    with pytest.raises(workshops.WorkshopError) as info:
        workshops.correct_paper_measure(
            workshop,
            person,
            catalog(),
            "knowledge-police",
            "pre",
            answers_scoring(test),
            users["facilitator"],
        )
    assert info.value.code == "no_sheet"


def test_a_pre_test_correction_is_refused_once_the_workshop_is_closed(users, workshop):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    test = catalog().quiz("knowledge-police")
    by = users["facilitator"]
    workshops.enter_paper_measure(
        workshop,
        person,
        catalog(),
        "knowledge-police",
        "pre",
        answers_scoring(test, 2),
        by,
        locale="en",
    )
    workshops.close_workshop(workshop, by)
    with pytest.raises(workshops.WorkshopError) as info:
        workshops.correct_paper_measure(
            workshop,
            person,
            catalog(),
            "knowledge-police",
            "pre",
            answers_scoring(test),
            by,
        )
    assert info.value.code == "workshop_closed"
