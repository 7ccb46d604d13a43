"""The trainee's journey: resume, drafts, pre/post measures, certificates."""

import re

from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import Certificate, SurveyResponse
from curriculum.services import certificates, grading, progress, quizzes, surveys
from tests.factories import PASSWORD, login


def pass_track(user, track="police"):
    for key in catalog().track(track).required:
        quiz = catalog().quiz(catalog().module(key).quiz_key)
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        quizzes.submit_attempt(
            user,
            quiz,
            answers,
            token=quizzes.new_attempt_token(),
            locale="km",
            catalog=catalog(),
        )


def test_certificate_is_issued_when_the_last_required_module_is_passed(app, users):
    required = catalog().track("police").required
    user = users["trainee"]
    for key in required[:-1]:
        quiz = catalog().quiz(catalog().module(key).quiz_key)
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        quizzes.submit_attempt(
            user,
            quiz,
            answers,
            token=quizzes.new_attempt_token(),
            locale="km",
            catalog=catalog(),
        )
    assert certificates.for_user(user) == []
    pass_track(user)
    issued = certificates.for_user(user)
    assert [c.track for c in issued] == ["police"]
    # Passing again does not issue a second certificate.
    pass_track(user)
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_certificate_page_is_bilingual_with_a_qr_code_and_code(
    app, client, users, as_user
):
    pass_track(users["trainee"])
    as_user(users["trainee"])
    html = client.get("/certificate/police").get_data(as_text=True)
    code = certificates.display_code(certificates.for_user(users["trainee"])[0].code)
    assert code in html and "<svg" in html
    assert catalog().track("police").title.km in html
    assert catalog().track("police").title.en in html
    assert users["trainee"].display_name in html


def test_public_verification_shows_only_name_track_date_and_validity(
    app, client, users
):
    users["trainee"].phone = "012 345 678"
    pass_track(users["trainee"])
    certificate = certificates.for_user(users["trainee"])[0]
    html = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert "Valid" in html and users["trainee"].display_name in html
    assert "345" not in html and "Boeng" not in html and "Pursat" not in html
    typed = client.get(
        "/verify?code=" + certificates.display_code(certificate.code).lower()
    )
    assert typed.status_code == 302 and certificate.code in typed.headers["Location"]
    assert client.get("/verify/NOPE123456").status_code == 404


def test_admin_revokes_with_a_reason_and_verification_says_revoked(
    app, client, users, as_user
):
    pass_track(users["trainee"])
    certificate = certificates.for_user(users["trainee"])[0]
    as_user(users["admin"])
    missing_reason = client.post("/admin/certificates", data={"code": certificate.code})
    assert missing_reason.status_code == 200 and certificate.valid
    response = client.post(
        "/admin/certificates",
        data={"code": certificate.code, "reason": "Conduct complaint upheld"},
    )
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert (
        not certificate.valid
        and certificate.revoked_reason == "Conduct complaint upheld"
    )
    html = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert "Revoked on" in html and "Conduct complaint" not in html


def test_pre_measures_are_offered_before_the_first_module_and_post_after_the_last(
    app, users
):
    user = users["trainee"]
    offered = {(o.kind, o.phase) for o in surveys.offers(user, catalog())}
    assert offered == {("knowledge", "pre"), ("attitude", "pre")}
    for offer in surveys.offers(user, catalog()):
        surveys.submit(user, catalog(), offer, {}, locale="km")
    assert surveys.offers(user, catalog()) == []
    pass_track(user)
    offered = {(o.kind, o.phase) for o in surveys.offers(user, catalog())}
    assert offered == {("knowledge", "post"), ("attitude", "post")}


def test_a_response_is_saved_once(app, users):
    user = users["trainee"]
    offer = next(o for o in surveys.offers(user, catalog()) if o.kind == "knowledge")
    first, created = surveys.submit(user, catalog(), offer, {}, locale="km")
    again, created_again = surveys.submit(user, catalog(), offer, {}, locale="km")
    assert created and not created_again and first.id == again.id
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_attitude_scores_reverse_coded_items_the_other_way(app):
    survey = catalog().attitude
    plain = next(i for i in survey.items if not i.reverse)
    reverse = next(i for i in survey.items if i.reverse)
    assert grading.attitude_item_score(plain.reverse, "agree") == 1
    assert grading.attitude_item_score(plain.reverse, "disagree") == 3
    assert grading.attitude_item_score(reverse.reverse, "agree") == 3
    assert grading.attitude_item_score(reverse.reverse, "disagree") == 1
    assert grading.attitude_item_score(False, "nonsense") is None
    everything_equitable = {
        i.key: ("agree" if i.reverse else "disagree") for i in survey.items
    }
    score, maximum = grading.score_attitude(survey, everything_equitable)
    assert score == maximum == 3 * len(survey.items)


def test_measure_page_saves_the_answers(app, client, users, as_user):
    as_user(users["trainee"])
    offer = next(
        o for o in surveys.offers(users["trainee"], catalog()) if o.kind == "attitude"
    )
    url = f"/quiz/measure/{offer.instrument}/{offer.phase}"
    assert client.get(url).status_code == 200
    data = {f"q-{i.key}": "partly" for i in catalog().attitude.items}
    incomplete = dict(list(data.items())[:-1]) | {"token": "t"}
    assert client.post(url, data=incomplete).status_code == 400
    assert client.post(url, data=data | {"token": "t"}).status_code == 302
    response = db.session.scalar(select(SurveyResponse))
    assert response.phase == "pre" and response.score == 2 * len(
        catalog().attitude.items
    )
    assert client.get(url).status_code == 404  # taken: no longer offered


def _token(html):
    return re.search(r'name="token"[^>]*value="([^"]+)"', html).group(1)


def test_saved_answers_come_back_with_the_same_attempt(app, client, users, as_user):
    as_user(users["trainee"])
    quiz = catalog().quiz(catalog().modules[0].quiz_key)
    token = _token(client.get(f"/quiz/{quiz.key}").get_data(as_text=True))
    first = quiz.questions[0]
    picked = sorted(first.correct)[0]
    response = client.post(
        f"/quiz/{quiz.key}",
        data={"token": token, f"q-{first.key}": picked, "action": "save"},
    )
    assert response.status_code == 302
    html = client.get(f"/quiz/{quiz.key}").get_data(as_text=True)
    assert _token(html) == token
    assert re.search(rf'name="q-{first.key}" value="{picked}" checked', html)


def test_answers_survive_a_session_that_ended_mid_quiz(app, client, users, as_user):
    as_user(users["trainee"])
    quiz = catalog().quiz(catalog().modules[0].quiz_key)
    token = _token(client.get(f"/quiz/{quiz.key}").get_data(as_text=True))
    # Meanwhile the trainee signed in on another phone: this session has ended.
    login(app.test_client(), "trainee")
    data = {f"q-{q.key}": sorted(q.correct) for q in quiz.questions} | {"token": token}
    response = client.post(f"/quiz/{quiz.key}", data=data)
    assert "/login" in response.headers["Location"]
    login(client, "trainee", PASSWORD)
    html = client.get(f"/quiz/{quiz.key}").get_data(as_text=True)
    assert _token(html) == token
    for question in quiz.questions:
        for key in question.correct:
            assert re.search(rf'name="q-{question.key}" value="{key}" checked', html)


def test_continue_points_at_the_next_lesson_then_the_quiz(app, client, users, as_user):
    user = users["trainee"]
    module = catalog().modules[0]
    as_user(user)
    client.get(f"/learn/{module.key}/{module.lessons[0].key}")
    path = progress.path_for(user, catalog())
    point = progress.resume_point(user, catalog(), path)
    assert point.module.key == module.key and point.lesson == module.lessons[1]
    client.get(f"/learn/{module.key}/{module.lessons[-1].key}")
    point = progress.resume_point(user, catalog(), progress.path_for(user, catalog()))
    assert point.lesson is None  # next: the quiz
    assert f"/quiz/{module.quiz_key}" in client.get("/learn/").get_data(as_text=True)


def test_locked_module_is_shown_without_a_link(app, client, users, as_user):
    as_user(users["trainee"])
    path = progress.path_for(users["trainee"], catalog())
    locked = [s for s in path if s.state == progress.LOCKED]
    assert locked, "the path should start with locked modules"
    html = client.get("/learn/").get_data(as_text=True)
    assert f'href="/learn/{locked[0].module.key}"' not in html


def test_a_quiz_opens_only_when_its_prerequisites_are_passed(
    app, client, users, as_user
):
    locked = next(m for m in catalog().modules if m.prerequisites)
    as_user(users["trainee"])
    page = client.get(f"/quiz/{locked.quiz_key}?lang=en").get_data(as_text=True)
    assert "This quiz opens when you have passed these modules" in page
    assert 'name="token"' not in page
    quiz = catalog().quiz(locked.quiz_key)
    answers = {f"q-{q.key}": sorted(q.correct) for q in quiz.questions}
    refused = client.post(f"/quiz/{locked.quiz_key}", data=answers | {"token": "t"})
    assert refused.status_code == 403
    for key in locked.prerequisites:
        earlier = catalog().quiz(catalog().module(key).quiz_key)
        right = {q.key: sorted(q.correct) for q in earlier.questions}
        quizzes.submit_attempt(
            users["trainee"],
            earlier,
            right,
            token=quizzes.new_attempt_token(),
            locale="km",
        )
    assert 'name="token"' in client.get(f"/quiz/{locked.quiz_key}").get_data(
        as_text=True
    )
