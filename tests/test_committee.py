"""The committee sees the training criterion of candidates in scope, and views are audited."""

from sqlalchemy import select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import AuditEvent
from curriculum.services import quizzes, vetting
from tests.conftest import make_user


def pass_modules(user, keys):
    for key in keys:
        quiz = catalog().quiz(catalog().module(key).quiz_key)
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        quizzes.submit_attempt(user, quiz, answers, token=quizzes.new_attempt_token(), locale="km")


def test_training_criterion_is_met_only_when_every_required_module_is_passed(app, users):
    candidate = users["candidate"]
    required = catalog().track("cmg").required
    assert not vetting.training_criterion(candidate, catalog()).met
    pass_modules(candidate, required[:-1])
    partial = vetting.training_criterion(candidate, catalog())
    assert not partial.met and partial.missing == (required[-1],)
    pass_modules(candidate, required[-1:])
    assert vetting.training_criterion(candidate, catalog()).met


def test_candidate_page_shows_met_and_not_met(app, client, users, as_user):
    as_user(users["committee"])
    url = f"/committee/candidates/{users['candidate'].id}?lang=en"
    assert 'class="unmet"' in client.get(url).get_data(as_text=True)
    pass_modules(users["candidate"], catalog().track("cmg").required)
    html = client.get(url).get_data(as_text=True)
    assert 'class="met"' in html and "Not met" not in html


def test_every_view_of_a_candidate_page_is_audited(app, client, users, as_user):
    as_user(users["committee"])
    client.get(f"/committee/candidates/{users['candidate'].id}")
    client.get(f"/committee/candidates/{users['candidate'].id}")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "candidate.view")
    ).all()
    assert len(events) == 2
    assert {e.actor_id for e in events} == {users["committee"].id}
    assert {e.object_id for e in events} == {str(users["candidate"].id)}


def test_candidate_list_holds_only_candidates_in_scope(app, client, users, places, as_user):
    far = make_user("far", tracks=["cmg"], commune=places["prey_veng"])
    as_user(users["committee"])
    html = client.get("/committee/").get_data(as_text=True)
    assert users["candidate"].display_name in html
    assert far.display_name not in html
    assert users["trainee"].display_name not in html  # police track, not a candidate
