"""A closed workshop cannot change: the services refuse, whoever calls them."""

from datetime import date

import pytest
from sqlalchemy import func, select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import (
    Attendance,
    AuditEvent,
    Commune,
    Enrolment,
    QuizAttempt,
    SurveyResponse,
    User,
    WorkshopSession,
)
from curriculum.services import workshops
from tests.factories import (
    answers_scoring,
    as_form,
    enrol_people,
    first_quiz,
    make_user,
    make_workshop,
)

ROW = {
    "name": "សុខ ដារ៉ា",
    "latin_name": "Sok Dara",
    "phone": "",
    "gender": "male",
    "track": ["police"],
    "username": "",
}


def _changes(workshop, by, person, outsider):
    """Return every change a facilitator can make to a workshop, by name."""
    session = workshop.sessions[0]
    roster = workshops.roster(workshop)
    quiz = first_quiz(workshop)
    return {
        "enrol": lambda: workshops.enrol(workshop, outsider, by),
        "unenrol": lambda: workshops.unenrol(workshop, roster[0], by),
        "create_participant": lambda: workshops.create_participant(
            workshop,
            by,
            display_name="សុខ ដារ៉ា",
            latin_name="Sok Dara",
            phone=None,
            gender="male",
            tracks=["police"],
        ),
        "mark_attendance": lambda: workshops.mark_attendance(session, person, True, by),
        "unmark_attendance": lambda: workshops.mark_attendance(
            session, person, False, by
        ),
        "import_roster": lambda: workshops.import_roster(workshop, by, [ROW]),
        "enter_paper_quiz": lambda: workshops.enter_paper_quiz(
            workshop,
            person,
            quiz,
            answers_scoring(quiz),
            by,
            locale="km",
            catalog=catalog(),
        ),
        "enter_paper_measure": lambda: workshops.enter_paper_measure(
            workshop,
            person,
            catalog(),
            "knowledge-police",
            "pre",
            answers_scoring(catalog().quiz("knowledge-police")),
            by,
            locale="km",
        ),
        "add_session": lambda: workshops.add_session(
            workshop, by, workshop.starts_on, None
        ),
        "update_session": lambda: workshops.update_session(
            session, by, workshop.ends_on, None
        ),
        "remove_session": lambda: workshops.remove_session(workshop.sessions[-1], by),
        "update_workshop": lambda: workshops.update_workshop(
            workshop,
            by,
            title="Another title",
            commune=db.session.get(Commune, workshop.commune_id),
            starts_on=workshop.starts_on,
            ends_on=workshop.ends_on,
            module_keys=list(workshop.module_keys),
            cofacilitators=[],
        ),
    }


CHANGES = [
    "enrol",
    "unenrol",
    "create_participant",
    "mark_attendance",
    "unmark_attendance",
    "import_roster",
    "enter_paper_quiz",
    "enter_paper_measure",
    "add_session",
    "update_session",
    "remove_session",
    "update_workshop",
]


def _state():
    """Return what a change to a workshop would alter, as plain values."""
    counted = (
        Attendance,
        AuditEvent,
        Enrolment,
        QuizAttempt,
        SurveyResponse,
        User,
        WorkshopSession,
    )
    counts = [db.session.scalar(select(func.count(m.id))) for m in counted]
    sessions = db.session.execute(
        select(WorkshopSession.number, WorkshopSession.held_on)
    ).all()
    return counts, sorted(sessions)


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_to_a_closed_workshop_is_refused_by_the_service(
    app, users, places, change
):
    by = users["facilitator"]
    workshop = make_workshop(by, places["pursat_a"])
    person = enrol_people(workshop, by, 1)[0]
    outsider = make_user("outsider", tracks=["police"], commune=places["pursat_a"])
    if change == "unmark_attendance":
        workshops.mark_attendance(workshop.sessions[0], person, True, by)
    workshops.close_workshop(workshop, by)
    before = _state()
    with pytest.raises(workshops.WorkshopError) as refused:
        _changes(workshop, by, person, outsider)[change]()
    assert refused.value.code == "workshop_closed"
    db.session.rollback()
    assert _state() == before


@pytest.mark.parametrize("change", CHANGES)
def test_the_same_change_works_once_the_workshop_is_reopened(
    app, users, places, change
):
    by = users["facilitator"]
    workshop = make_workshop(by, places["pursat_a"])
    person = enrol_people(workshop, by, 1)[0]
    outsider = make_user("outsider", tracks=["police"], commune=places["pursat_a"])
    if change == "unmark_attendance":
        workshops.mark_attendance(workshop.sessions[0], person, True, by)
    if change == "remove_session":
        workshops.add_session(workshop, by, workshop.ends_on, None)
    workshops.close_workshop(workshop, by)
    workshops.reopen_workshop(workshop, by)
    before = _state()
    _changes(workshop, by, person, outsider)[change]()
    assert _state() != before


def test_a_closed_workshop_sends_the_facilitator_to_its_page_with_the_reason(
    client, users, as_user, places
):
    by = users["facilitator"]
    workshop = make_workshop(by, places["pursat_a"])
    enrol_people(workshop, by, 1)
    quiz = first_quiz(workshop)
    workshops.close_workshop(workshop, by)
    as_user(by)
    base = f"/workshops/{workshop.id}"
    for method, path, data in [
        ("GET", "/edit", None),
        ("POST", "/sessions", {"held_on": "2025-03-10"}),
        ("POST", "/sessions/1", {"held_on": "2025-03-10"}),
        ("POST", "/roster/add", {"user_id": "1"}),
        ("POST", "/roster/1/remove", {}),
        ("GET", "/roster/new", None),
        ("GET", "/roster/import", None),
        ("POST", "/sessions/1/attendance", {"participant": "1", "present": "1"}),
        ("POST", f"/paper/{quiz.key}/1", as_form(answers_scoring(quiz))),
        ("POST", "/measures/knowledge-police/pre/1", {"q-x": "a"}),
    ]:
        response = client.open(
            f"{base}{path}?lang=en", method=method, data=data, follow_redirects=True
        )
        html = response.get_data(as_text=True)
        assert response.request.path == base, path
        assert "This workshop is closed. Reopen it to change it." in html, path
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_refused_changes_are_not_audited(app, users, places):
    by = users["facilitator"]
    workshop = make_workshop(by, places["pursat_a"], days=1)
    workshops.close_workshop(workshop, by)
    with pytest.raises(workshops.WorkshopError):
        workshops.add_session(workshop, by, date(2025, 3, 10), None)
    db.session.rollback()
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "workshop.session_add" not in actions
