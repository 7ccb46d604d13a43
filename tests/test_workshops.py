"""Facilitators' workshops: scope, roster, attendance, paper results, sheets, report."""

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    AuditEvent,
    Enrolment,
    QuizAttempt,
    SetupCode,
    SurveyResponse,
    User,
    Workshop,
    WorkshopFacilitator,
)
from curriculum.services import grading, quizzes, setup_codes, workshops
from curriculum.services.workshops import attendance as attendance_service
from tests.factories import (
    accounts_user,
    answers_scoring,
    as_form,
    audit_actions,
    enrol_people,
    first_quiz,
    make_user,
    make_workshop,
)

ZWSP = "\u200b"


# -- factories -------------------------------------------------------------------------


class QueryCounter:
    """Count the SQL statements run while it is active."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


@pytest.fixture()
def workshop(app, users, places):
    return make_workshop(users["facilitator"], places["pursat_a"])


# -- home, list and form ---------------------------------------------------------------


def test_facilitator_lands_on_the_workshop_list(client, users, as_user, workshop):
    as_user(users["facilitator"])
    response = client.get("/")
    assert response.headers["Location"].endswith("/workshops/")
    html = client.get("/workshops/").get_data(as_text=True)
    assert workshop.title in html
    assert 'href="/workshops/"' in html  # the menu link


def test_workshop_form_offers_the_communes_of_the_chosen_province(
    client, users, as_user, places
):
    as_user(users["facilitator"])
    html = client.get("/workshops/new?province=15&lang=en").get_data(as_text=True)
    assert "Boeng Bat Kandaol" in html and "Boeng Khnar" in html
    assert "Boeng Preah" not in html  # Prey Veng
    # The facilitator's own province is the default.
    assert "Boeng Khnar" in client.get("/workshops/new?lang=en").get_data(as_text=True)


def test_facilitator_creates_a_workshop_with_sessions_and_a_cofacilitator(
    client, users, as_user, places
):
    partner = make_user("partner", "facilitator")
    as_user(users["facilitator"])
    modules = [m.key for m in catalog().modules[:3]]
    response = client.post(
        "/workshops/new",
        data={
            "province": "15",
            "title": "Police, Bakan",
            "commune": str(places["pursat_b"].id),
            "starts_on": "2025-04-01",
            "ends_on": "2025-04-03",
            "sessions_per_day": "2",
            "modules": modules,
            "cofacilitators": "Partner",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    workshop = db.session.scalar(select(Workshop))
    assert workshop.commune_id == places["pursat_b"].id
    assert workshop.module_keys == modules
    assert [s.number for s in workshop.sessions] == [1, 2, 3, 4, 5, 6]
    assert workshop.sessions[2].held_on == date(2025, 4, 2)
    assert workshop.sessions[0].module_key == modules[0]
    runners = set(
        db.session.scalars(
            select(WorkshopFacilitator.user_id).where(
                WorkshopFacilitator.workshop_id == workshop.id
            )
        )
    )
    assert runners == {users["facilitator"].id, partner.id}
    assert "workshop.create" in audit_actions()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commune": "PREY_VENG"}, "Choose a commune of this province."),
        ({"ends_on": "2025-03-01"}, "The last day cannot be before the first day."),
        ({"cofacilitators": "nobody"}, "No facilitator has the username nobody."),
        ({"modules": []}, "Choose at least one module."),
        ({"starts_on": "tomorrow"}, "Write the date as day/month/year"),
    ],
)
def test_bad_workshop_form_says_why_and_keeps_what_was_typed(
    client, users, as_user, places, change, message
):
    as_user(users["facilitator"])
    data = {
        "province": "15",
        "title": "Kept title",
        "commune": str(places["pursat_a"].id),
        "starts_on": "2025-03-10",
        "ends_on": "2025-03-11",
        "sessions_per_day": "1",
        "modules": [catalog().modules[0].key],
    } | change
    if data["commune"] == "PREY_VENG":
        data["commune"] = str(places["prey_veng"].id)
    response = client.post("/workshops/new?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="Kept title"' in html
    assert db.session.scalar(select(func.count(Workshop.id))) == 0


def test_editing_changes_details_and_cofacilitators_and_is_audited(
    client, users, as_user, places, workshop
):
    partner = make_user("partner", "facilitator")
    as_user(users["facilitator"])
    assert client.get(f"/workshops/{workshop.id}/edit").status_code == 200
    response = client.post(
        f"/workshops/{workshop.id}/edit",
        data={
            "province": "15",
            "title": "New title",
            "commune": str(places["pursat_b"].id),
            "starts_on": "2025-03-10",
            "ends_on": "2025-03-12",
            "modules": [catalog().modules[0].key],
            "cofacilitators": "partner",
        },
    )
    assert response.status_code == 302
    db.session.refresh(workshop)
    assert (
        workshop.title == "New title" and workshop.commune_id == places["pursat_b"].id
    )
    assert workshops.facilitators(workshop)[0].id == users["facilitator"].id
    assert {p.id for p in workshops.facilitators(workshop)} == {
        users["facilitator"].id,
        partner.id,
    }
    assert "workshop.edit" in audit_actions()


# -- scope -----------------------------------------------------------------------------

WORKSHOP_PAGES = [
    ("GET", "/workshops/{w}"),
    ("GET", "/workshops/{w}/edit"),
    ("POST", "/workshops/{w}/edit"),
    ("POST", "/workshops/{w}/close"),
    ("POST", "/workshops/{w}/reopen"),
    ("GET", "/workshops/{w}/sessions"),
    ("POST", "/workshops/{w}/sessions"),
    ("POST", "/workshops/{w}/sessions/1"),
    ("GET", "/workshops/{w}/roster"),
    ("POST", "/workshops/{w}/roster/add"),
    ("POST", "/workshops/{w}/roster/1/remove"),
    ("GET", "/workshops/{w}/roster/new"),
    ("POST", "/workshops/{w}/roster/new"),
    ("GET", "/workshops/{w}/roster/import"),
    ("POST", "/workshops/{w}/roster/import"),
    ("POST", "/workshops/{w}/roster/1/code"),
    ("GET", "/workshops/{w}/cards"),
    ("POST", "/workshops/{w}/cards/forget"),
    ("GET", "/workshops/{w}/sessions/1/sheet"),
    ("GET", "/workshops/{w}/sheets/{quiz}"),
    ("GET", "/workshops/{w}/sessions/1/attendance"),
    ("POST", "/workshops/{w}/sessions/1/attendance"),
    ("GET", "/workshops/{w}/present/{module}"),
    ("GET", "/workshops/{w}/paper/{quiz}"),
    ("GET", "/workshops/{w}/paper/{quiz}/1"),
    ("POST", "/workshops/{w}/paper/{quiz}/1"),
    ("GET", "/workshops/{w}/measures/knowledge-police/pre"),
    ("GET", "/workshops/{w}/measures/knowledge-police/pre/1"),
    ("POST", "/workshops/{w}/measures/knowledge-police/pre/1"),
    ("GET", "/workshops/{w}/report"),
    ("GET", "/workshops/{w}/report.csv"),
]


def _fill(path, workshop):
    module = catalog().module(workshop.module_keys[0])
    return path.format(w=workshop.id, quiz=module.quiz_key, module=module.key)


@pytest.mark.parametrize(("method", "path"), WORKSHOP_PAGES)
def test_another_facilitators_workshop_is_not_found(
    client, users, as_user, workshop, method, path
):
    trainee = users["trainee"]
    workshops.enrol(workshop, trainee, users["facilitator"])
    stranger = make_user("stranger", "facilitator")
    as_user(stranger)
    response = client.open(_fill(path, workshop), method=method, data={})
    assert response.status_code == 404
    # Nothing changed behind the 404.
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert db.session.get(Workshop, workshop.id).closed_at is None


@pytest.mark.parametrize(
    ("method", "path"), [p for p in WORKSHOP_PAGES if p[0] == "GET"]
)
@pytest.mark.parametrize("who", ["cofacilitator", "admin"])
def test_cofacilitator_and_admin_can_open_every_page(
    client, users, as_user, places, method, path, who
):
    partner = make_user("partner", "facilitator")
    workshop = make_workshop(
        users["facilitator"], places["pursat_a"], cofacilitators=[partner]
    )
    workshops.enrol(workshop, users["trainee"], users["facilitator"])
    as_user(partner if who == "cofacilitator" else users["admin"])
    assert client.get(_fill(path, workshop)).status_code == 200


def test_list_shows_only_the_facilitators_own_workshops(client, users, as_user, places):
    partner = make_user("partner", "facilitator")
    stranger = make_user("stranger", "facilitator")
    mine = make_workshop(users["facilitator"], places["pursat_a"])
    shared = make_workshop(stranger, places["prey_veng"], cofacilitators=[partner])
    shared.title = "Shared workshop"
    db.session.commit()
    as_user(partner)
    html = client.get("/workshops/").get_data(as_text=True)
    assert "Shared workshop" in html and f'/workshops/{mine.id}"' not in html
    listed = {
        item.workshop.id for item in workshops.workshops_for(users["admin"]).items
    }
    assert listed == {mine.id, shared.id}


def test_the_list_comes_a_page_at_a_time_with_filters(client, users, as_user, places):
    from datetime import timedelta

    made = []
    for i in range(workshops.LIST_PAGE + 5):
        w = make_workshop(
            users["facilitator"], places["pursat_a" if i % 2 else "prey_veng"]
        )
        w.starts_on += timedelta(days=i % 7)  # several share a first day
        w.title = f"Workshop {i}" + (" 100%_done" if i == 3 else "")
        made.append(w)
    db.session.commit()
    first = workshops.workshops_for(users["admin"])
    assert len(first.items) == workshops.LIST_PAGE and first.after
    second = workshops.workshops_for(users["admin"], after=first.after)
    assert len(second.items) == 5 and second.after is None
    seen = [i.workshop.id for i in first.items + second.items]
    assert sorted(seen) == sorted(w.id for w in made)  # each once
    order = [(i.workshop.starts_on, i.workshop.id) for i in first.items + second.items]
    assert order == sorted(order, reverse=True)
    pursat = places["pursat_a"].province_id
    mine = workshops.workshops_for(users["admin"], province_id=pursat, limit=None)
    assert {i.workshop.id for i in mine.items} == {w.id for w in made[1::2]}
    assert [
        i.workshop.title
        for i in workshops.workshops_for(users["admin"], title="100%_").items
    ] == ["Workshop 3 100%_done"]
    assert workshops.workshops_for(users["admin"], title="%%").items == []  # literal
    # The page: filters kept in the next link; a broken cursor shows the first page.
    as_user(users["admin"])
    html = client.get("/workshops/?lang=en&province=15").get_data(as_text=True)
    assert html.count('<li class="card">') == len(made[1::2])
    html = client.get("/workshops/?lang=en").get_data(as_text=True)
    assert f"after={first.after}" in html
    broken = client.get("/workshops/?after=';drop table workshops;--&lang=en")
    assert broken.status_code == 200 and "Workshop" in broken.get_data(as_text=True)


# -- sessions --------------------------------------------------------------------------


def test_sessions_can_be_added_changed_and_removed_until_someone_attended(
    client, users, as_user, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    as_user(users["facilitator"])
    base = f"/workshops/{workshop.id}/sessions"
    response = client.post(base, data={"held_on": "2025-03-11", "module_key": ""})
    assert response.status_code == 302
    db.session.refresh(workshop)
    assert [s.number for s in workshop.sessions] == [1, 2, 3]
    outside = client.post(base + "?lang=en", data={"held_on": "2025-05-01"})
    assert outside.status_code == 400
    assert "A session must be on a day of the workshop." in outside.get_data(True)
    key = workshop.module_keys[1]
    client.post(f"{base}/3", data={"s3-held_on": "2025-03-10", "s3-module_key": key})
    db.session.refresh(workshop)
    assert workshop.sessions[2].module_key == key
    assert workshop.sessions[2].held_on == date(2025, 3, 10)
    workshops.mark_attendance(workshop.sessions[0], person, True, users["facilitator"])
    client.post(f"{base}/1", data={"action": "remove"})
    client.post(f"{base}/3", data={"action": "remove"})
    db.session.expire_all()
    assert [s.number for s in db.session.get(Workshop, workshop.id).sessions] == [1, 2]
    actions = audit_actions()
    assert {
        "workshop.session_add",
        "workshop.session_edit",
        "workshop.session_remove",
    } <= set(actions)


# -- roster ----------------------------------------------------------------------------


def test_search_finds_trainees_however_their_name_was_typed(
    client, users, as_user, workshop, places
):
    other = accounts_user(
        "sokha1", "សុ" + ZWSP + "ខា", phone="012 345 678", commune=places["pursat_b"]
    )
    staff = make_user("staffer", "committee", commune=places["pursat_a"])
    as_user(users["facilitator"])
    roster = f"/workshops/{workshop.id}/roster"
    for query in ("សុខា", "SOKHA1", "+855 12 345 678", "345678"):
        html = client.get(roster, query_string={"q": query}).get_data(as_text=True)
        assert f'name="user_id" value="{other.id}"' in html, query
    html = client.get(roster, query_string={"q": staff.display_name}).get_data(True)
    assert f'value="{staff.id}"' not in html  # staff are never enrolled


def test_adding_someone_twice_keeps_one_enrolment_and_numbers_run_from_one(
    client, users, as_user, workshop
):
    as_user(users["facilitator"])
    url = f"/workshops/{workshop.id}/roster/add"
    for person in (users["trainee"], users["candidate"], users["trainee"]):
        assert client.post(url, data={"user_id": person.id}).status_code == 302
    rows = db.session.execute(
        select(Enrolment.number, Enrolment.user_id).order_by(Enrolment.number)
    ).all()
    assert rows == [(1, users["trainee"].id), (2, users["candidate"].id)]
    # Staff cannot be put on a roster.
    assert client.post(url, data={"user_id": users["committee"].id}).status_code == 404
    assert audit_actions().count("enrolment.add") == 2


def test_a_new_person_gets_an_account_a_number_and_a_setup_card(
    client, users, as_user, workshop
):
    as_user(users["facilitator"])
    response = client.post(
        f"/workshops/{workshop.id}/roster/new",
        data={
            "display_name": " ហេង  ដារ៉ា ",
            "latin_name": "Heng Dara",
            "phone": "+855 (0)12 999 888",
            "gender": "male",
            "track": "police",
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.username == "heng.dara"))
    assert person.display_name == "ហេង ដារ៉ា" and person.phone == "012999888"
    assert person.role == "trainee" and person.tracks == ["police"]
    assert person.password_hash is None
    assert person.commune_id == workshop.commune_id
    assert person.created_by_id == users["facilitator"].id
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == person.id)
    )
    assert enrolment.number == 1
    cards = client.get(f"/workshops/{workshop.id}/cards")
    html = cards.get_data(as_text=True)
    assert cards.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="mono code">(\d{4}) (\d{4})<', html)
    assert code, html
    digits = code.group(1) + code.group(2)
    stored = db.session.scalar(select(SetupCode).where(SetupCode.user_id == person.id))
    assert stored.code_hash == setup_codes.code_hash(digits)
    assert {"user.create", "enrolment.add", "setup_code.issue"} <= set(audit_actions())
    # A second person with the same Latin name gets another username.
    client.post(
        f"/workshops/{workshop.id}/roster/new",
        data={
            "display_name": "ហេង ដារ៉ា ទី២",
            "latin_name": "Heng Dara",
            "gender": "male",
            "track": "police",
            "confirm": "1",
        },
    )
    assert db.session.scalar(select(User.id).where(User.username == "heng.dara2"))


def _create(client, workshop, **fields):
    data = {"gender": "female", "track": "health"} | fields
    return client.post(f"/workshops/{workshop.id}/roster/new?lang=en", data=data)


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        # Only a zero-width space apart.
        ("សុខ" + ZWSP + "ចន្ថា", "សុខចន្ថា"),
        # The vowel typed before the subscript: the same name in other bytes.
        ("ស្រី", "ស" + "ី" + "្រ"),
        # Spaces and case in the Latin spelling.
        ("x", "SOK-chantha"),
    ],
)
def test_likely_duplicate_by_name_is_shown_before_creating(
    client, users, as_user, workshop, places, existing, typed
):
    old = accounts_user(
        "old.one",
        existing if existing != "x" else "ផ្សេង",
        latin="Sok Chantha",
        commune=places["pursat_b"],
    )
    as_user(users["facilitator"])
    field = "latin_name" if existing == "x" else "display_name"
    data = {"display_name": "ឈ្មោះថ្មី", field: typed}
    response = _create(client, workshop, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "may already have an account" in html
    assert f'name="user_id" value="{old.id}"' in html
    assert 'name="confirm" type="hidden" value="1"' in html
    assert db.session.scalar(select(func.count(User.id))) == 6  # nothing created
    # Picking the existing person enrols that account.
    client.post(f"/workshops/{workshop.id}/roster/add", data={"user_id": old.id})
    assert workshops.participant(workshop, 1).user.id == old.id


def test_likely_duplicate_by_phone_in_another_format(client, users, as_user, workshop):
    old = accounts_user("phone.owner", "ម្ចាស់ទូរស័ព្ទ", phone="+855 97 123 4567")
    as_user(users["facilitator"])
    html = _create(
        client, workshop, display_name="អ្នកថ្មី", phone="097-123-4567"
    ).get_data(as_text=True)
    assert f'value="{old.id}"' in html and "Same phone number." in html


def test_create_anyway_after_the_warning_makes_a_second_account(
    client, users, as_user, workshop
):
    accounts_user("first.dara", "ដារ៉ា")
    as_user(users["facilitator"])
    assert _create(client, workshop, display_name="ដារ៉ា").status_code == 200
    response = _create(client, workshop, display_name="ដារ៉ា", confirm="1")
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(func.count(User.id)).where(User.display_name == "ដារ៉ា")
        )
        == 2
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "", "name in Khmer."),
        ("phone", "12ab", "Write a Cambodian phone number"),
        ("username", "a b", "A username has 3 to 32 Latin letters"),
        ("username", "trainee", "This username is taken."),
        ("track", "", "s track."),
    ],
)
def test_new_person_form_explains_bad_input(
    client, users, as_user, workshop, field, value, message
):
    as_user(users["facilitator"])
    data = {"display_name": "ឈ្មោះ", field: value}
    response = _create(client, workshop, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_someone_marked_present_stays_on_the_roster(client, users, as_user, workshop):
    people = enrol_people(workshop, users["facilitator"], 2)
    workshops.mark_attendance(
        workshop.sessions[0], people[0], True, users["facilitator"]
    )
    as_user(users["facilitator"])
    client.post(f"/workshops/{workshop.id}/roster/1/remove")
    client.post(f"/workshops/{workshop.id}/roster/2/remove")
    numbers = list(db.session.scalars(select(Enrolment.number)))
    assert numbers == [1]
    # The next person gets a new number; numbers are never reused while printed.
    workshops.enrol(workshop, users["trainee"], users["facilitator"])
    assert workshops.participant(workshop, 2).user.id == users["trainee"].id


# -- attendance ------------------------------------------------------------------------


def test_one_tap_marks_present_and_a_second_tap_changes_nothing(
    client, users, as_user, workshop
):
    enrol_people(workshop, users["facilitator"], 3)
    as_user(users["facilitator"])
    url = f"/workshops/{workshop.id}/sessions/1/attendance"
    html = client.get(url).get_data(as_text=True)
    assert html.count('name="participant"') == 3
    for _ in range(2):  # the same tap sent twice (a slow network)
        response = client.post(url, data={"participant": "2", "present": "1"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#p2")
    assert db.session.scalar(select(func.count(Attendance.id))) == 1
    html = client.get(url + "?lang=en").get_data(as_text=True)
    assert "1 of 3 present" in html and "is-present" in html
    client.post(url, data={"participant": "2", "present": "0"})
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert audit_actions().count("attendance.mark") == 1
    assert audit_actions().count("attendance.unmark") == 1
    assert (
        client.post(url, data={"participant": "9", "present": "1"}).status_code == 404
    )
    assert (
        client.post(url, data={"participant": "x", "present": "1"}).status_code == 400
    )


def test_a_tap_that_loses_the_race_relies_on_the_unique_constraint(
    app, users, workshop, monkeypatch
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    item = workshop.sessions[0]
    assert workshops.mark_attendance(item, person, True, users["facilitator"])
    # As if the other request had not committed yet when this one looked.
    monkeypatch.setattr(attendance_service, "_attendance_row", lambda *args: None)
    assert not workshops.mark_attendance(item, person, True, users["facilitator"])
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


# -- paper results ---------------------------------------------------------------------


def test_paper_sheet_is_graded_like_an_online_attempt_and_recorded_as_paper(
    client, users, as_user, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    answers = answers_scoring(quiz, wrong=2)
    as_user(users["facilitator"])
    url = f"/workshops/{workshop.id}/paper/{quiz.key}/1"
    assert client.get(url).status_code == 200
    response = client.post(url, data=as_form(answers))
    assert response.status_code == 302
    attempt = db.session.scalar(select(QuizAttempt))
    expected = grading.grade(quiz, answers)
    assert attempt.percent == pytest.approx(expected.percent)
    assert attempt.passed == expected.passed
    assert attempt.mode == "paper"
    assert attempt.entered_by_id == users["facilitator"].id
    assert attempt.user_id == person.id
    assert attempt.idempotency_key == f"paper-{workshop.id}-{person.id}-{quiz.key}"
    assert attempt.submitted_at is not None
    assert "quiz.paper_entry" in audit_actions()


def test_the_same_sheet_entered_twice_makes_one_attempt_and_says_so(
    client, users, as_user, workshop
):
    enrol_people(workshop, users["facilitator"], 2)
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    url = f"/workshops/{workshop.id}/paper/{quiz.key}/1"
    first = client.post(url + "?lang=en", data=as_form(answers_scoring(quiz)))
    # After saving, the next participant's sheet opens.
    assert first.headers["Location"].endswith(f"/paper/{quiz.key}/2")
    second = client.post(
        url + "?lang=en", data=as_form(answers_scoring(quiz, 3)), follow_redirects=True
    )
    assert "Sheet 1 was already entered. Nothing was changed." in second.get_data(True)
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.session.scalar(select(QuizAttempt.percent)) == 100
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "press “Correct this sheet”" in page
    assert audit_actions().count("quiz.paper_entry") == 1


def test_paper_entry_is_not_stopped_by_the_online_attempt_policy(
    client, users, as_user, workshop
):
    person = enrol_people(workshop, users["facilitator"], 1)[0]
    quiz = first_quiz(workshop)
    for _ in range(quiz.max_attempts or 1):
        quizzes.submit_attempt(
            person,
            quiz,
            {},
            token=quizzes.new_attempt_token(),
            locale="km",
            enforce_policy=False,
        )
    assert not quizzes.eligibility(person, quiz).allowed
    as_user(users["facilitator"])
    client.post(
        f"/workshops/{workshop.id}/paper/{quiz.key}/1",
        data=as_form(answers_scoring(quiz)),
    )
    assert (
        db.session.scalar(
            select(func.count(QuizAttempt.id)).where(QuizAttempt.mode == "paper")
        )
        == 1
    )


def test_a_sheet_with_nothing_ticked_is_refused(client, users, as_user, workshop):
    enrol_people(workshop, users["facilitator"], 1)
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    blank = {f"q-{q.key}": "" for q in quiz.questions}
    response = client.post(
        f"/workshops/{workshop.id}/paper/{quiz.key}/1?lang=en", data=blank
    )
    assert response.status_code == 400
    assert "No answer is ticked" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_typing_the_number_on_the_sheet_opens_its_entry(
    client, users, as_user, workshop
):
    enrol_people(workshop, users["facilitator"], 3)
    quiz = first_quiz(workshop)
    as_user(users["facilitator"])
    response = client.get(f"/workshops/{workshop.id}/paper/{quiz.key}?n=៣")
    assert response.headers["Location"].endswith(f"/paper/{quiz.key}/3")


def test_pre_and_post_tests_and_attitude_survey_on_paper(
    client, users, as_user, workshop
):
    police, health = enrol_people(workshop, users["facilitator"], 1)[0], None
    health = enrol_people(
        workshop, users["facilitator"], 1, tracks=("health",), prefix="h"
    )[0]
    test = catalog().quiz("knowledge-police")
    survey = catalog().attitude
    as_user(users["facilitator"])
    base = f"/workshops/{workshop.id}/measures"
    assert (
        client.post(
            f"{base}/knowledge-police/pre/1",
            data=as_form(answers_scoring(test, wrong=3)),
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/knowledge-police/post/1", data=as_form(answers_scoring(test))
        ).status_code
        == 302
    )
    # The police test is not for the health worker.
    assert client.get(f"{base}/knowledge-police/pre/2").status_code == 404
    attitude = {f"q-{item.key}": "disagree" for item in survey.items}
    assert client.post(f"{base}/{survey.key}/pre/2", data=attitude).status_code == 302
    again = client.post(
        f"{base}/{survey.key}/pre/2?lang=en", data=attitude, follow_redirects=True
    )
    assert "was already entered" in again.get_data(as_text=True)
    rows = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
    assert [(r.user_id, r.instrument, r.phase, r.mode) for r in rows] == [
        (police.id, "knowledge-police", "pre", "paper"),
        (police.id, "knowledge-police", "post", "paper"),
        (health.id, survey.key, "pre", "paper"),
    ]
    assert rows[0].entered_by_id == users["facilitator"].id
    assert rows[1].score == test.max_points
    assert audit_actions().count("survey.paper_entry") == 3


# -- report ----------------------------------------------------------------------------


def test_report_figures_match_data_built_by_hand(app, users, workshop):
    fac = users["facilitator"]
    people = enrol_people(workshop, fac, 4)
    s1, s2 = workshop.sessions
    for person in people[:3]:
        workshops.mark_attendance(s1, person, True, fac)
    workshops.mark_attendance(s2, people[0], True, fac)
    quiz = first_quiz(workshop)

    # p0 fails then passes (best 100), p1 fails (60 or so), p2 passes on paper.
    def sit(person, wrong, token):
        return quizzes.submit_attempt(
            person,
            quiz,
            answers_scoring(quiz, wrong),
            token=token,
            locale="km",
            enforce_policy=False,
        )[0]

    half = len(quiz.questions) // 2
    low = sit(people[0], half + 1, "a1")
    sit(people[0], 0, "a2")
    mid = sit(people[1], half, "b1")
    workshops.enter_paper_quiz(
        workshop,
        people[2],
        quiz,
        answers_scoring(quiz),
        fac,
        locale="km",
        catalog=catalog(),
    )
    assert not low.passed and not mid.passed
    test = catalog().quiz("knowledge-police")
    n = len(test.questions)
    for person, pre_wrong, post_wrong in ((people[0], n, 0), (people[1], n // 2, 0)):
        for phase, wrong in (("pre", pre_wrong), ("post", post_wrong)):
            workshops.enter_paper_measure(
                workshop,
                person,
                catalog(),
                test.key,
                phase,
                answers_scoring(test, wrong),
                fac,
                locale="km",
            )
    # Only a "before": not a matched pair.
    workshops.enter_paper_measure(
        workshop,
        people[2],
        catalog(),
        test.key,
        "pre",
        answers_scoring(test),
        fac,
        locale="km",
    )

    figures = workshops.report(workshop, catalog())
    assert [(s.present, s.enrolled) for s in figures.sessions] == [(3, 4), (1, 4)]
    assert figures.sessions[0].percent == 75
    first = figures.quizzes[0]
    assert (first.took, first.passed) == (3, 2)
    assert first.pass_rate == pytest.approx(200 / 3)
    assert first.mean_percent == pytest.approx((100 + mid.percent + 100) / 3)
    knowledge = next(c for c in figures.changes if c.instrument == test.key)
    pre_half = 100 * grading.grade(test, answers_scoring(test, n // 2)).percent / 100
    assert knowledge.pairs == 2
    assert knowledge.pre_mean == pytest.approx((0 + pre_half) / 2)
    assert knowledge.post_mean == pytest.approx(100)
    assert knowledge.change == pytest.approx(100 - pre_half / 2)
    line = figures.participants[0]
    assert line.attended == {1, 2} and line.best[quiz.key] == (100.0, True)


def test_report_page_and_csv_in_the_facilitators_language(
    client, users, as_user, workshop
):
    people = enrol_people(workshop, users["facilitator"], 2)
    people[0].display_name = '=HYPERLINK("http://evil","x")'
    people[1].latin_name = "+SUM(1,2)"
    db.session.commit()
    workshops.mark_attendance(
        workshop.sessions[0], people[0], True, users["facilitator"]
    )
    as_user(users["facilitator"])
    html = client.get(f"/workshops/{workshop.id}/report?lang=en").get_data(as_text=True)
    assert "1 / 2" in html and '<html lang="en">' in html
    response = client.get(f"/workshops/{workshop.id}/report.csv?lang=en")
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Number", "Name in Khmer", "Name in Latin letters"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil","x")'
    assert rows[2][2] == "'+SUM(1,2)"
    assert rows[1][6] == "1" and rows[2][6] == "0"  # session 1
    assert "report.export" in audit_actions()


# -- printed sheets and the projector --------------------------------------------------


@pytest.mark.parametrize("lang", ["km", "en"])
@pytest.mark.parametrize(
    "page",
    [
        "sessions/1/sheet",
        "sheets/{quiz}",
        "sheets/{quiz}?for=each",
        "sheets/{quiz}?text=both",
        "sheets/knowledge-police",
        "sheets/attitude",
        "cards",
        "report",
        "present/{module}",
        "present/{module}/{lesson}",
    ],
)
def test_printed_pages_render_with_language_and_participant_numbers(
    client, users, as_user, workshop, page, lang
):
    people = enrol_people(workshop, users["facilitator"], 12)
    codes = setup_codes.issue_codes(people[:2], users["facilitator"])
    as_user(users["facilitator"])
    with client.session_transaction() as cookie:
        cookie["setup_cards"] = {
            "by": users["facilitator"].id,
            "at": 9e12,
            "w": {str(workshop.id): {str(k): v for k, v in codes.items()}},
        }
    module = catalog().module(workshop.module_keys[0])
    path = page.format(
        quiz=module.quiz_key, module=module.key, lesson=module.lessons[1].key
    )
    joiner = "&" if "?" in path else "?"
    response = client.get(f"/workshops/{workshop.id}/{path}{joiner}lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert "<script" not in html and " style=" not in html
    twelve = "១២" if lang == "km" else "12"
    if page in ("sessions/1/sheet", "sheets/{quiz}?for=each"):
        assert f">{twelve}<" in html
        assert people[11].display_name in html
    if page == "cards":
        for code in codes.values():
            assert setup_codes.display_code(code) in html
        assert people[2].display_name not in html
    if page.startswith("sheets/{quiz}"):
        quiz = catalog().quiz(module.quiz_key)
        text = quiz.questions[0].text
        assert text[lang] in html
        assert (text["en" if lang == "km" else "km"] in html) == ("both" in page)


def test_printed_sheets_are_styled_for_a4(app):
    css = app.static_folder + "/app.css"
    with open(css, encoding="utf-8") as handle:
        text = handle.read()
    assert "size: A4" in text and ".answer-sheet + .answer-sheet" in text


# -- closing, audit, queries -----------------------------------------------------------


def test_a_closed_workshop_refuses_changes_until_reopened(
    client, users, as_user, workshop
):
    enrol_people(workshop, users["facilitator"], 1)
    as_user(users["facilitator"])
    client.post(f"/workshops/{workshop.id}/close")
    assert db.session.get(Workshop, workshop.id).closed_at is not None
    url = f"/workshops/{workshop.id}/sessions/1/attendance"
    response = client.post(url, data={"participant": "1", "present": "1"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert client.get(f"/workshops/{workshop.id}/roster/new").status_code == 302
    # Reading and printing still work, and so does a new setup code.
    assert client.get(f"/workshops/{workshop.id}/report").status_code == 200
    assert client.post(f"/workshops/{workshop.id}/roster/1/code").status_code == 302
    client.post(f"/workshops/{workshop.id}/reopen")
    client.post(url, data={"participant": "1", "present": "1"})
    assert db.session.scalar(select(func.count(Attendance.id))) == 1
    assert {"workshop.close", "workshop.reopen"} <= set(audit_actions())


def _pages(workshop):
    quiz = first_quiz(workshop)
    return [
        f"/workshops/{workshop.id}",
        f"/workshops/{workshop.id}/roster",
        f"/workshops/{workshop.id}/sessions/1/attendance",
        f"/workshops/{workshop.id}/sessions/1/sheet",
        f"/workshops/{workshop.id}/sheets/{quiz.key}?for=each",
        f"/workshops/{workshop.id}/paper/{quiz.key}",
        f"/workshops/{workshop.id}/measures/knowledge-police/pre",
        f"/workshops/{workshop.id}/cards",
        f"/workshops/{workshop.id}/report",
        f"/workshops/{workshop.id}/report.csv",
    ]


def _fill_workshop(workshop, by, count):
    people = enrol_people(workshop, by, count)
    quiz = first_quiz(workshop)
    test = catalog().quiz("knowledge-police")
    for i, person in enumerate(people):
        for item in workshop.sessions:
            workshops.mark_attendance(item, person, True, by)
        workshops.enter_paper_quiz(
            workshop,
            person,
            quiz,
            answers_scoring(quiz, i % 3),
            by,
            locale="km",
            catalog=catalog(),
        )
        workshops.enter_paper_measure(
            workshop,
            person,
            catalog(),
            test.key,
            "pre",
            answers_scoring(test, 2),
            by,
            locale="km",
        )
    setup_codes.issue_codes(people, by)
    return people


def _count_queries(client, workshop):
    paths = _pages(workshop)
    prefix = f"/workshops/{workshop.id}"
    counts = {}
    for path in paths:
        # A fresh session per request, as in production: nothing comes from the
        # identity map of earlier requests.
        db.session.remove()
        with QueryCounter() as counter:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path.replace(prefix, "")] = counter.count
    return counts


def test_workshop_pages_use_as_many_queries_for_40_people_as_for_5(
    client, users, as_user, places
):
    small = make_workshop(users["facilitator"], places["pursat_a"])
    large = make_workshop(users["facilitator"], places["pursat_a"])
    _fill_workshop(small, users["facilitator"], 5)
    _fill_workshop(large, users["facilitator"], 40)
    as_user(users["facilitator"])
    small_id, large_id = small.id, large.id
    few = _count_queries(client, db.session.get(Workshop, small_id))
    many = _count_queries(client, db.session.get(Workshop, large_id))
    print("queries per page, 5 and 40 participants:", few, many)
    assert few == many
    assert max(many.values()) <= 15, many


def test_every_change_leaves_an_audit_event(client, users, as_user, workshop):
    before = db.session.scalar(select(func.max(AuditEvent.id)))
    as_user(users["facilitator"])
    client.post(
        f"/workshops/{workshop.id}/roster/new",
        data={"display_name": "ថ្មី", "gender": "female", "track": "cmg"},
    )
    client.post(
        f"/workshops/{workshop.id}/roster/add", data={"user_id": users["trainee"].id}
    )
    client.post(f"/workshops/{workshop.id}/roster/1/code")
    client.post(
        f"/workshops/{workshop.id}/sessions/1/attendance",
        data={"participant": "1", "present": "1"},
    )
    client.get(f"/workshops/{workshop.id}/report.csv")
    client.post(f"/workshops/{workshop.id}/close")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert {e.action for e in events} >= {
        "user.create",
        "enrolment.add",
        "setup_code.issue",
        "attendance.mark",
        "report.export",
        "workshop.close",
    }
    assert all(e.actor_id == users["facilitator"].id for e in events)
    # Codes are never written to the log.
    codes = [e.detail for e in events if e.action == "setup_code.issue"]
    assert all(not detail for detail in codes)


@pytest.mark.parametrize("lang", ["km", "en"])
def test_every_workshop_page_renders_in_each_language(
    client, users, as_user, workshop, lang
):
    workshops.enrol(workshop, users["trainee"], users["facilitator"])
    as_user(users["facilitator"])
    paths = ["/workshops/", "/workshops/new"] + [
        _fill(path, workshop) for method, path in WORKSHOP_PAGES if method == "GET"
    ]
    for path in paths:
        response = client.get(f"{path}?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            assert f'<html lang="{lang}">' in html, path
            assert " style=" not in html, path
            # No script, except offline mode's on the attendance list (an addition:
            # each tap is still a plain form), and never an inline one.
            scripts = re.findall(r"<script[^>]*>", html)
            allowed = 1 if path.endswith("/attendance") else 0
            assert len(scripts) == allowed, path
            assert all("/static/offline" in tag and " src=" in tag for tag in scripts)


def test_the_projector_view_steps_through_the_lessons(client, users, as_user, workshop):
    module = catalog().module(workshop.module_keys[0])
    as_user(users["facilitator"])
    base = f"/workshops/{workshop.id}/present/{module.key}"
    html = client.get(base + "?lang=en").get_data(as_text=True)
    assert module.title.en in html
    assert f'rel="next" href="{base}/{module.lessons[0].key}"' in html
    html = client.get(f"{base}/{module.lessons[1].key}?lang=en").get_data(as_text=True)
    assert module.lessons[1].html.en in html
    assert f'href="{base}/{module.lessons[0].key}"' in html
    assert f'href="{base}/{module.lessons[2].key}"' in html
    assert client.get(f"{base}/no-such-lesson").status_code == 404
