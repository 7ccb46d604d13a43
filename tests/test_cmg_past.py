"""Past months of CMG reports: staff of the area enter and correct them for a member."""

from datetime import date

import pytest
from sqlalchemy import select

from curriculum.extensions import db
from curriculum.i18n import local_today
from curriculum.models import AuditEvent, CmgMonthlyReport, VettingCase
from curriculum.services import cmg_reports
from tests.factories import make_user

COUNTS = {
    "sessions_held": "2",
    "men_counselled": "5",
    "outcome_stopped": "3",
    "outcome_reduced": "1",
    "outcome_continuing": "0",
    "outcome_unknown": "1",
    "reached_campaigns": "120",
    "reached_leaflets": "40",
    "reached_house_visits": "9",
}


def approved(user):
    db.session.add(
        VettingCase(candidate_id=user.id, criteria_version="2026.1", state="approved")
    )
    db.session.commit()
    return user


@pytest.fixture()
def member(app, places):
    return approved(make_user("sokha", tracks=["cmg"], commune=places["pursat_a"]))


def url(member, month=None):
    base = f"/cmg/members/{member.id}/report"
    return f"{base}?month={month}" if month else base


def saved(member, month: date):
    return cmg_reports.report_for(member, month)


def test_staff_enter_a_month_of_2009_for_a_member(client, users, as_user, member):
    as_user(users["facilitator"])
    response = client.post(url(member), data={"month": "2009-03"} | COUNTS)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(member, "2009-03"))
    report = saved(member, date(2009, 3, 1))
    assert report.men_counselled == 5 and report.reached_campaigns == 120
    assert report.entered_by_id == users["facilitator"].id
    page = client.get(url(member, "2009-03") + "&lang=en").get_data(as_text=True)
    assert 'value="5"' in page  # the form opens that month, filled in
    assert "Entered by" in page and users["facilitator"].display_name in page
    assert "People reached by house visits" in page  # every field is shown


@pytest.mark.parametrize(
    "typed", ["2009-3", "3/2009", "២០០៩-០៣", " 2009 - 03 "], ids=str
)
def test_the_month_may_be_typed_in_several_ways(app, typed):
    assert cmg_reports.parse_month(typed) == date(2009, 3, 1)


@pytest.mark.parametrize("typed", ["2009-13", "March", "", "2009", "20090-1"])
def test_a_month_that_is_not_one_is_refused(client, users, as_user, member, typed):
    as_user(users["facilitator"])
    response = client.post(url(member) + "?lang=en", data={"month": typed} | COUNTS)
    assert response.status_code == 400
    assert db.session.scalar(select(CmgMonthlyReport.id)) is None


def test_a_future_month_is_refused_with_a_reason(client, users, as_user, member):
    as_user(users["facilitator"])
    nxt = local_today().replace(day=28)
    future = date(nxt.year + 1, 1, 1)
    response = client.post(
        url(member) + "?lang=en", data={"month": future.strftime("%Y-%m")} | COUNTS
    )
    assert response.status_code == 400
    assert "has not begun" in response.get_data(as_text=True)


def test_a_correction_keeps_the_old_and_new_counts(client, users, as_user, member):
    cmg_reports.save_report(
        member, date(2010, 6, 1), {"men_counselled": 2}, by=users["admin"]
    )
    as_user(users["facilitator"])
    client.post(url(member), data={"month": "2010-06"} | COUNTS)
    report = saved(member, date(2010, 6, 1))
    assert report.men_counselled == 5
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cmg_report.correct")
    ).one()
    assert event.actor_id == users["facilitator"].id
    assert event.detail["old"]["men_counselled"] == 2
    assert event.detail["new"]["men_counselled"] == 5
    assert event.detail["member"] == member.id


def test_the_member_himself_still_has_only_his_open_months(app, member):
    with pytest.raises(cmg_reports.ReportError) as refused:
        cmg_reports.save_report(member, date(2009, 3, 1), {"men_counselled": 1})
    assert refused.value.code == "month_closed"


def test_the_member_opens_the_month_he_corrects(client, as_user, member):
    month = local_today().replace(day=1)
    last = (month.replace(day=1) - date.resolution).replace(day=1)
    cmg_reports.save_report(member, last, {"men_counselled": 7})
    as_user(member)
    html = client.get(f"/cmg/report?month={last:%Y-%m}&lang=en").get_data(as_text=True)
    assert f'<option selected value="{last.isoformat()}"' in html or (
        f'value="{last.isoformat()}" selected' in html
    )
    assert 'value="7"' in html
    assert f"/cmg/report?month={last:%Y-%m}" in html  # "Correct" beside the month


def test_staff_outside_the_members_area_cannot_enter_his_reports(
    client, users, as_user, places, member
):
    other = make_user("fac2", "facilitator", commune=places["prey_veng"])
    as_user(other)
    assert client.get(url(member)).status_code == 404
    assert (
        client.post(url(member), data={"month": "2009-03"} | COUNTS).status_code == 404
    )
    assert saved(member, date(2009, 3, 1)) is None
    listing = client.get("/cmg/members").get_data(as_text=True)
    assert member.display_name not in listing


def test_a_trainee_who_is_not_a_member_has_no_report_page(
    client, users, as_user, places
):
    candidate = make_user("cand", tracks=["cmg"], commune=places["pursat_a"])
    as_user(users["facilitator"])
    assert client.get(url(candidate)).status_code == 404


def test_the_list_shows_the_members_of_the_area(client, users, as_user, member):
    as_user(users["committee"])
    html = client.get("/cmg/members").get_data(as_text=True)
    assert member.display_name in html and url(member) in html
    as_user_views = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "cmg_report.view")
    ).all()
    client.get(url(member))
    assert (
        len(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action == "cmg_report.view")
            ).all()
        )
        == len(as_user_views) + 1
    )
