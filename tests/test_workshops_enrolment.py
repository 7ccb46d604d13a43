"""One fact, one place: every way onto a roster writes the row and its audit event once."""

from sqlalchemy import select

from curriculum.extensions import db
from curriculum.models import AuditEvent, Enrolment
from curriculum.services import workshops
from tests.factories import make_user, make_workshop

ROW = {
    "name": "សុខ ដារ៉ា",
    "latin_name": "Sok Dara",
    "phone": "",
    "gender": "male",
    "track": ["police"],
    "username": "",
}


def _enrolment_events():
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrolment.add")
    ).all()
    return sorted((event.detail["user"], event.detail["number"]) for event in rows)


def _enrolments(workshop):
    rows = db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop.id)
    ).all()
    return sorted((row.user_id, row.number) for row in rows)


def test_enrol_new_account_and_import_each_audit_every_enrolment_once(
    app, users, places
):
    by = users["facilitator"]
    workshop = make_workshop(by, places["pursat_a"])
    existing = make_user("existing", tracks=["police"], commune=places["pursat_a"])
    workshops.enrol(workshop, existing, by)
    workshops.enrol(workshop, existing, by)  # a second time changes nothing
    workshops.create_participant(
        workshop,
        by,
        display_name="ចាន់ ធីតា",
        latin_name="Chan Thida",
        phone=None,
        gender="female",
        tracks=["health"],
    )
    imported = workshops.import_roster(
        workshop, by, [ROW, {**ROW, "name": "កែវ សុភា", "latin_name": "Keo Sophea"}]
    )
    assert [c.number for c in imported] == [3, 4]
    assert _enrolments(workshop) == _enrolment_events()
    assert [number for _, number in _enrolments(workshop)] == [1, 2, 3, 4]
