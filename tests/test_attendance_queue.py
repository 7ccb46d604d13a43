"""Attendance marks kept on a facilitator's phone while offline, sent when it returns.

The page's script (static/offline.js) posts each tap to `.../attendance/queued` and
keeps it when there is no signal; these tests play the phone's part.
"""

import pytest
from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.models import Attendance
from curriculum.services import workshops
from tests.factories import audit_actions, enrol_people, make_user, make_workshop

QUEUED = {"Accept": "application/json", "X-Requested-With": "offline-queue"}


@pytest.fixture()
def workshop(app, users, places):
    workshop = make_workshop(users["facilitator"], places["pursat_a"])
    enrol_people(workshop, users["facilitator"], 3)
    return workshop


def url(workshop, session=1) -> str:
    return f"/workshops/{workshop.id}/sessions/{session}/attendance/queued"


def send(client, workshop, number, present, account, session=1, **extra):
    data = {"participant": str(number), "present": present, "account": str(account)}
    return client.post(url(workshop, session), data=data | extra, headers=QUEUED)


def marks() -> int:
    return db.session.scalar(select(func.count(Attendance.id)))


def test_a_queued_mark_is_saved_once_however_often_it_is_sent(
    client, users, as_user, workshop
):
    fac = users["facilitator"]
    as_user(fac)
    for _ in range(3):  # the phone sends again after a lost answer
        response = send(client, workshop, 2, "1", fac.id)
        assert response.status_code == 200
        assert response.get_json() == {"status": "sent"}
    assert marks() == 1
    assert audit_actions().count("attendance.mark") == 1
    # The newest tap of a person is the one the phone keeps: "not here" undoes it.
    assert send(client, workshop, 2, "0", fac.id).get_json() == {"status": "sent"}
    assert marks() == 0


def test_the_attendance_page_offers_the_queue_to_the_script(
    client, users, as_user, workshop
):
    fac = users["facilitator"]
    as_user(fac)
    html = client.get(
        f"/workshops/{workshop.id}/sessions/1/attendance?lang=en"
    ).get_data(as_text=True)
    assert f'data-queue-url="{url(workshop)}"' in html
    assert f'data-account="{fac.id}"' in html
    assert "offline.js" in html and 'id="offline-queue"' in html
    assert "Attendance marks kept on this phone" in html
    # The tally's template for the script, besides the figure itself.
    assert 'data-tally="{present} of 3 present"' in html
    # Without JavaScript the same page still posts each tap as a plain form.
    assert html.count('<form method="post">') == 3


def test_a_closed_workshop_refuses_a_queued_mark_and_says_why(
    client, users, as_user, workshop
):
    fac = users["facilitator"]
    as_user(fac)
    workshops.close_workshop(workshop, fac)
    response = send(client, workshop, 1, "1", fac.id)
    assert response.status_code == 409
    assert response.get_json() == {"status": "closed"}
    assert marks() == 0
    html = client.get(f"/workshops/{workshop.id}/sessions/1/attendance").get_data(
        as_text=True
    )
    assert "data-queue-url" not in html


def test_a_mark_queued_by_another_account_is_not_applied(
    client, users, as_user, workshop
):
    as_user(users["facilitator"])
    response = send(client, workshop, 1, "1", users["admin"].id)
    assert response.status_code == 409
    assert response.get_json() == {"status": "other_account"}
    assert marks() == 0


@pytest.mark.parametrize(
    ("number", "session"), [(9, 1), ("x", 1), (1, 9)], ids=["nobody", "junk", "session"]
)
def test_an_unknown_participant_or_session_is_explained_not_a_page(
    client, users, as_user, workshop, number, session
):
    fac = users["facilitator"]
    as_user(fac)
    response = send(client, workshop, number, "1", fac.id, session=session)
    assert response.status_code == 404
    assert response.get_json() == {"status": "unknown"}
    assert marks() == 0


def test_another_facilitators_workshop_does_not_exist_for_the_queue(
    client, users, as_user, workshop, places
):
    other = make_user("fac2", "facilitator", commune=places["prey_veng"])
    as_user(other)
    response = send(client, workshop, 1, "1", other.id)
    assert response.status_code == 404
    assert response.get_json() == {"status": "unknown"}
    assert marks() == 0


def test_signed_out_the_phone_is_told_to_sign_in_again(client, users, workshop):
    response = send(client, workshop, 1, "1", users["facilitator"].id)
    assert response.status_code == 401
    assert response.get_json() == {"status": "signed_out"}
    assert marks() == 0


def test_a_trainee_cannot_mark_attendance(client, users, as_user, workshop):
    as_user(users["trainee"])
    response = send(client, workshop, 1, "1", users["trainee"].id)
    assert response.status_code == 403
    assert marks() == 0


def test_an_expired_form_token_asks_the_phone_for_a_fresh_one(
    client, app, users, as_user, workshop
):
    fac = users["facilitator"]
    as_user(fac)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = send(client, workshop, 1, "1", fac.id, csrf_token="stale")
        assert response.status_code == 400
        assert response.get_json() == {"status": "expired"}
        fresh = client.get("/learn/offline/token").get_json()["csrf"]
        response = send(client, workshop, 1, "1", fac.id, csrf_token=fresh)
        assert response.get_json() == {"status": "sent"}
        # A plain form (no queue header) still gets the page that explains it.
        plain = client.post(
            f"/workshops/{workshop.id}/sessions/1/attendance",
            data={"participant": "1", "present": "0", "csrf_token": "stale"},
        )
        assert plain.status_code == 400 and "text/html" in plain.content_type
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert marks() == 1
