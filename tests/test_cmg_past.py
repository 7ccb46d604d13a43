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


# -- the programme's annual table, from a year entered through the pages -------------------
# The Men's Perspective Project's 2008 figures: 76 men counselled (36 in old areas, 40
# in new), 50 cases with a known outcome of which half stopped, and 6,322 people reached
# (3,524 in old communes, 2,798 in new).
YEAR_2008 = {
    "old": {"men": 36, "known": 24, "stopped": 12, "reached": 3524},
    "new": {"men": 40, "known": 26, "stopped": 13, "reached": 2798},
}


def _month_counts(area: dict, month: int) -> dict:
    """Spread an area's year over twelve months (the remainder in December)."""

    def share(total: int) -> int:
        return total // 12 + (total % 12 if month == 12 else 0)

    men, known, stopped = (
        share(area["men"]),
        share(area["known"]),
        share(area["stopped"]),
    )
    reached = share(area["reached"])
    return {
        "sessions_held": "1",
        "men_counselled": str(men),
        "outcome_stopped": str(stopped),
        "outcome_reduced": str(known - stopped),
        "outcome_continuing": "0",
        "outcome_unknown": str(men - known),
        "reached_campaigns": str(reached // 2),
        "reached_leaflets": str(reached - reached // 2 - reached // 4),
        "reached_house_visits": str(reached // 4),
    }


def test_a_year_entered_by_staff_gives_the_programmes_annual_table(
    client, users, as_user, places
):
    import csv
    import io

    from curriculum.services import reports

    admin = users["admin"]
    old = reports.create_group("តំបន់ចាស់", "Old areas", admin)
    new = reports.create_group("តំបន់ថ្មី", "New areas", admin)
    reports.assign_communes(old, places["pursat_a"].code, admin)
    reports.assign_communes(new, places["prey_veng"].code, admin)
    members = {
        "old": approved(make_user("o", tracks=["cmg"], commune=places["pursat_a"])),
        "new": approved(make_user("n", tracks=["cmg"], commune=places["prey_veng"])),
    }
    as_user(admin)
    for area, member in members.items():
        for month in range(1, 13):
            response = client.post(
                url(member),
                data={"month": f"2008-{month:02d}"}
                | _month_counts(YEAR_2008[area], month),
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
    period = "start=2008-01-01&end=2008-12-31&lang=en"
    html = client.get(f"/reports/cmg?{period}").get_data(as_text=True)
    assert "The programme's indicators" in html
    # The total row of the indicators: 6,322 reached, 76 counselled, 50 known, 50%.
    assert "6,322" in html and "3,524" in html and "2,798" in html
    exported = client.get(f"/reports/export/cmg.csv?{period}")
    assert "cmg-2008-01-01_to_2008-12-31" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    col = {name: header.index(name) for name in header}

    def value(area, name):
        return float(body[area][col[name]])

    assert value("Total", "People reached (total)") == 6322
    assert value("Old areas", "People reached (total)") == 3524
    assert value("New areas", "People reached (total)") == 2798
    assert value("Total", "Men counselled") == 76
    assert value("Old areas", "Men counselled") == 36
    assert value("Total", "Cases with a known outcome") == 50
    assert value("Total", "Stopped: share of known outcomes, per cent") == 50.0
    assert value("Total", "Stopped: share of men counselled, per cent") == round(
        100 * 25 / 76, 1
    )
    # By commune: province, commune code and group columns, and a total row.
    communes = client.get(f"/reports/export/cmg_communes.csv?{period}")
    rows = list(csv.reader(io.StringIO(communes.get_data().decode("utf-8-sig"))))
    header = rows[0]
    assert {"Province", "Commune code", "Group"} <= set(header)
    by_code = {row[header.index("Commune code")]: row for row in rows[1:]}
    assert by_code[places["pursat_a"].code][header.index("Group")] == "Old areas"
    assert rows[-1][0] == "Total"
    assert float(rows[-1][header.index("People reached (total)")]) == 6322


# -- import from a file -------------------------------------------------------------------
def _csv(rows: list[list[str]]) -> bytes:
    header = ["username", "month", *COUNTS]
    return "\r\n".join(",".join(r) for r in [header, *rows]).encode("utf-8")


def _upload(client, data: bytes, name="reports.csv", lang="en"):
    import io

    return client.post(
        f"/cmg/import?lang={lang}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _row(username: str, month: str, men="5", stopped="3") -> list[str]:
    values = dict(COUNTS, men_counselled=men, outcome_stopped=stopped)
    return [username, month, *(values[k] for k in COUNTS)]


def test_a_years_file_is_imported_once_and_marked_as_entered_by_the_admin(
    client, users, as_user, member
):
    as_user(users["admin"])
    data = _csv([_row("sokha", f"2008-{m:02d}") for m in range(1, 13)])
    response = _upload(client, data)
    assert response.status_code == 200
    assert "12 new months, 0 corrected, 0 already saved" in response.get_data(
        as_text=True
    )
    reports = db.session.scalars(select(CmgMonthlyReport)).all()
    assert len(reports) == 12
    assert all(r.entered_by_id == users["admin"].id for r in reports)
    again = _upload(client, data)
    assert "0 new months, 0 corrected, 12 already saved" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(CmgMonthlyReport)).all()) == 12
    # A correction of one month in a later file: the old and new counts are kept.
    fixed = _upload(client, _csv([_row("sokha", "2008-05", men="6", stopped="4")]))
    assert "0 new months, 1 corrected" in fixed.get_data(as_text=True)
    assert saved(member, date(2008, 5, 1)).men_counselled == 6
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("cmg_report.import") == 3
    assert actions.count("cmg_report.correct") == 1


def test_one_bad_row_refuses_the_whole_file_naming_each_row(
    client, users, as_user, member
):
    as_user(users["admin"])
    data = _csv(
        [
            _row("sokha", "2008-01"),
            _row("nobody", "2008-02"),
            _row("sokha", "2008-13"),
            _row("sokha", "2008-01"),
            _row("sokha", "2008-03", men="1", stopped="3"),
            ["sokha", "2008-04", "x", *list(COUNTS.values())[1:]],
        ]
    )
    response = _upload(client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "Row 3: nobody is not an approved CMG member" in html
    assert "Row 4: The month is not a month" in html
    assert "Row 5: The same member and month are on row 2." in html
    assert "Row 6: The outcomes add up to more than the men counselled" in html
    assert "Row 7: Group or counselling sessions held must be a whole number" in html
    assert db.session.scalar(select(CmgMonthlyReport.id)) is None
    km = _upload(client, data, lang="km").get_data(as_text=True)
    assert "ជួរទី ៣" in km


def test_a_file_that_is_not_a_table_is_refused_with_a_reason(
    client, users, as_user, member
):
    as_user(users["admin"])
    response = _upload(client, b"\xff\xfe\x00garbage", name="reports.csv")
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)
    response = _upload(client, b"a,b", name="reports.pdf")
    assert response.status_code == 400
    assert "CSV or an XLSX" in response.get_data(as_text=True)


def test_only_admins_import_and_the_template_has_the_columns(
    client, users, as_user, member
):
    as_user(users["facilitator"])
    assert client.get("/cmg/import").status_code == 403
    client.post("/logout")
    as_user(users["admin"])
    template = client.get("/cmg/import/template.csv").get_data().decode("utf-8-sig")
    from curriculum.models import COUNT_FIELDS

    assert template.splitlines()[0].replace('"', "").split(",") == [
        "username",
        "month",
        *COUNT_FIELDS,
    ]


# -- plausibility ---------------------------------------------------------------------------
def test_implausible_counts_are_kept_back_until_confirmed(
    client, users, as_user, member
):
    as_user(users["facilitator"])
    odd = COUNTS | {
        "sessions_held": "0",
        "men_counselled": "55",
        "outcome_unknown": "51",
    }
    response = client.post(url(member) + "?lang=en", data={"month": "2009-03"} | odd)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no session is counted" in html and "More than 40 men" in html
    assert 'value="55"' in html  # what was typed stays in the form
    assert saved(member, date(2009, 3, 1)) is None
    confirmed = client.post(
        url(member), data={"month": "2009-03", "confirm": "1"} | odd
    )
    assert confirmed.status_code == 302
    assert saved(member, date(2009, 3, 1)).men_counselled == 55


def test_the_member_is_asked_to_confirm_too(client, as_user, member):
    as_user(member)
    month = local_today().replace(day=1).isoformat()
    odd = {key: "0" for key in COUNTS} | {"outcome_stopped": "0", "men_counselled": "2"}
    response = client.post("/cmg/report?lang=en", data={"month": month} | odd)
    assert "no session is counted" in response.get_data(as_text=True)
    assert saved(member, local_today().replace(day=1)) is None
    client.post("/cmg/report", data={"month": month, "confirm": "1"} | odd)
    assert saved(member, local_today().replace(day=1)).men_counselled == 2


@pytest.mark.parametrize(
    ("counts", "reasons"),
    [
        ({"men_counselled": 2}, ["counselled_without_session"]),
        ({"sessions_held": 1, "outcome_unknown": 1}, ["outcomes_without_men"]),
        ({"sessions_held": 3, "men_counselled": 41}, ["many_men"]),
        ({"sessions_held": 1, "reached_campaigns": 2001}, ["many_reached"]),
        ({"sessions_held": 2, "men_counselled": 5, "reached_leaflets": 30}, []),
    ],
)
def test_plausibility_rules(app, counts, reasons):
    assert cmg_reports.implausible(counts) == reasons


# -- groups fixed in time -------------------------------------------------------------------
def test_moving_a_commune_to_another_group_does_not_rewrite_the_past(
    client, users, as_user, places, member
):
    from curriculum.services import reports

    admin = users["admin"]
    old = reports.create_group("តំបន់ចាស់", "Old areas", admin)
    new = reports.create_group("តំបន់ថ្មី", "New areas", admin)
    reports.assign_communes(new, places["pursat_a"].code, admin)
    cmg_reports.save_report(member, date(2008, 6, 1), {"men_counselled": 4}, by=admin)
    this_year = local_today().replace(month=1, day=1)
    cmg_reports.save_report(member, this_year, {"men_counselled": 9}, by=admin)
    # The programme's new area of 2008 counts as an old area from this year on.
    as_user(admin)
    response = client.post(
        "/reports/groups",
        data={
            "action": "assign",
            "group": str(old.id),
            "codes": places["pursat_a"].code,
            "since": this_year.strftime("%Y-%m"),
        },
    )
    assert response.status_code == 302

    def men(start, end):
        rows = reports.cmg_activity(reports.Filters(start=start, end=end), "group")
        return {r.label.name_en: r.counts["men_counselled"] for r in rows if r.label}

    assert men(date(2008, 1, 1), date(2008, 12, 31)) == {"New areas": 4}
    assert men(this_year, local_today()) == {"Old areas": 9}
    both = men(date(2008, 1, 1), local_today())
    assert both == {"New areas": 4, "Old areas": 9}
    html = client.get("/reports/groups?lang=en").get_data(as_text=True)
    assert "since" in html
    # Without a month, the group is the commune's for all time.
    reports.assign_communes(new, places["pursat_a"].code, admin)
    assert men(date(2008, 1, 1), local_today()) == {"New areas": 13}


def test_a_wrong_month_for_a_group_move_is_refused(client, users, as_user, places):
    from curriculum.services import reports

    group = reports.create_group("ក", "A", users["admin"])
    as_user(users["admin"])
    response = client.post(
        "/reports/groups?lang=en",
        data={
            "action": "assign",
            "group": str(group.id),
            "codes": "150101",
            "since": "soon",
        },
        follow_redirects=True,
    )
    assert "Write the month as year and month" in response.get_data(as_text=True)
    assert reports.groups_with_communes()[1] == {}


def test_a_staff_member_sees_his_own_change_at_once_despite_the_cache(
    client, app, users, as_user, member
):
    app.config["REPORT_CACHE_SECONDS"] = 120
    try:
        as_user(users["admin"])
        period = "start=2009-01-01&end=2009-12-31&lang=en"
        before = client.get(f"/reports/cmg?{period}").get_data(as_text=True)
        assert "No reports for these filters." in before  # now cached for 2 minutes
        client.post(url(member), data={"month": "2009-03"} | COUNTS)
        after = client.get(f"/reports/cmg?{period}").get_data(as_text=True)
        assert "No reports for these filters." not in after
        assert "120" in after  # the campaign reach of the month just entered
    finally:
        app.config["REPORT_CACHE_SECONDS"] = 0


# -- trends and completeness ----------------------------------------------------------------
def test_trends_by_month_and_quarter_and_reporting_completeness(
    client, users, as_user, member
):
    from datetime import UTC, datetime

    from curriculum.models import Decision
    from curriculum.services.reports import Filters, trends

    case = db.session.scalar(
        select(VettingCase).where(VettingCase.candidate_id == member.id)
    )
    db.session.add(
        Decision(
            case_id=case.id,
            outcome="approve",
            reasons="r",
            members_present="m",
            decided_by_id=users["committee"].id,
            decided_at=datetime(2009, 2, 10, tzinfo=UTC),
            criteria_version="2026.1",
        )
    )
    db.session.commit()
    admin = users["admin"]
    for month, men in ((2, 3), (3, 4), (5, 2)):
        cmg_reports.save_report(
            member,
            date(2009, month, 1),
            {"sessions_held": 1, "men_counselled": men},
            by=admin,
        )
    year = Filters(start=date(2009, 1, 1), end=date(2009, 12, 31))
    today = date(2026, 12, 8)
    by_month = {p.period: p.values for p in trends.cmg_series(year, today)}
    assert len(by_month) == 12 and by_month["2009-01"]["men_counselled"] == 0
    assert by_month["2009-03"]["men_counselled"] == 4
    by_quarter = {p.period: p.values for p in trends.cmg_series(year, today, "quarter")}
    assert by_quarter["2009-Q1"]["men_counselled"] == 7
    assert by_quarter["2009-Q2"]["men_counselled"] == 2
    assert by_quarter["2009-Q2"]["reports"] == 1
    rows = {c.month: c for c in trends.completeness(year, today)}
    assert rows[date(2009, 1, 1)].expected == 0  # not yet a member in January
    assert rows[date(2009, 2, 1)].expected == 1 and rows[date(2009, 2, 1)].received == 1
    assert rows[date(2009, 4, 1)].missing == 1
    assert rows[date(2009, 5, 1)].late == 0  # entered by staff, not late by him
    as_user(admin)
    html = client.get("/reports/trends?start=2009-01-01&end=2009-12-31&lang=en")
    page = html.get_data(as_text=True)
    assert html.status_code == 200 and "<svg" in page and "2009-Q1" not in page
    quarters = client.get(
        "/reports/trends?start=2009-01-01&end=2009-12-31&lang=en&step=quarter"
    ).get_data(as_text=True)
    assert "2009-Q1" in quarters


# -- data quality ---------------------------------------------------------------------------
def test_the_data_quality_page_lists_what_to_check(
    client, users, as_user, places, member
):
    from curriculum.models import SurveyResponse

    admin = users["admin"]
    cmg_reports.save_report(member, date(2009, 3, 1), {"men_counselled": 3}, by=admin)
    cmg_reports.save_report(
        member, date(2009, 4, 1), {"sessions_held": 1, "men_counselled": 2}, by=admin
    )
    cmg_reports.save_report(
        member, date(2009, 4, 1), {"sessions_held": 1, "men_counselled": 4}, by=admin
    )
    a = make_user("dara1", tracks=["police"], commune=places["pursat_a"])
    b = make_user("dara2", tracks=["police"], commune=places["pursat_a"])
    a.display_name, b.display_name = "សាន្ដ ដារ៉ា", "សាន្ត  ដារ៉ា"  # ដ/ត, two spaces
    c = make_user("far", tracks=["police"], commune=places["prey_veng"])
    c.display_name = "សាន្ត ដារ៉ា"
    for user, phases in ((a, ("pre", "post")), (b, ("pre",))):
        for phase in phases:
            db.session.add(
                SurveyResponse(
                    user_id=user.id,
                    instrument="knowledge-police",
                    kind="knowledge",
                    track="police",
                    phase=phase,
                    score=5,
                    max_score=10,
                    answers={},
                    mode="online",
                    content_version="v",
                    locale="km",
                )
            )
    db.session.commit()
    as_user(admin)
    html = client.get("/reports/quality?lang=en").get_data(as_text=True)
    assert "men counselled, no session" in html and "2009-03" in html
    assert "2009-04" not in html.split("People who may be entered twice")[0]
    twins = html.split("People who may be entered twice")[1].split("Before-tests")[0]
    assert "Same commune" in twins and "dara1" in twins and "dara2" in twins
    assert "far" in twins  # the same name in another province: a warning
    tests = html.split("Before-tests without an after-test")[1]
    assert "knowledge-police" in tests
    row = tests.split("knowledge-police")[1].split("</tr>")[0]
    assert [cell.strip() for cell in row.split("<td>")[1:]][:3] == [
        "2</td>",
        "1</td>",
        "1</td>",
    ]
    corrected = html.split("Corrections of monthly reports")[1]
    assert "2009-04-01" in corrected and "2 → 4" in corrected
    client.post("/logout")
    as_user(users["committee"])
    assert client.get("/reports/quality").status_code == 403


def test_the_printable_summary_has_the_period_the_area_and_the_figures(
    client, users, as_user, places, member
):
    from curriculum.services import reports

    admin = users["admin"]
    old = reports.create_group("តំបន់ចាស់", "Old areas", admin)
    reports.assign_communes(old, places["pursat_a"].code, admin)
    cmg_reports.save_report(
        member,
        date(2009, 3, 1),
        {
            "sessions_held": 1,
            "men_counselled": 4,
            "outcome_stopped": 2,
            "outcome_reduced": 2,
            "reached_leaflets": 300,
        },
        by=admin,
    )
    as_user(admin)
    province = places["pursat_a"].province_id
    response = client.get(
        f"/reports/summary?start=2009-01-01&end=2009-12-31&province={province}&lang=en"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2009-01-01 – 2009-12-31" in html
    assert places["pursat_a"].province.name("en") in html
    assert "Old areas" in html and ">300<" in html and "50%" in html
    km = client.get(f"/reports/summary?province={province}").get_data(as_text=True)
    assert '<html lang="km">' in km and "<script" not in km


def test_every_export_row_says_its_period_and_filters(client, users, as_user, places):
    import csv
    import io

    as_user(users["admin"])
    province = places["pursat_a"].province
    response = client.get(
        f"/reports/export/knowledge.csv?start=2009-01-01&end=2009-12-31"
        f"&province={province.id}&lang=en"
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header = rows[0]
    assert header[:2] == ["Track", "Province"]  # the grouping in its own columns
    assert header[-5:] == [
        "Period from",
        "Period to",
        "Province filter",
        "Commune filter",
        "Track filter",
    ]
    assert f"province-{province.code}" in response.headers["Content-Disposition"]
    reach = client.get(
        f"/reports/export/reach.csv?start=2009-01-01&province={province.id}"
    )
    body = list(csv.reader(io.StringIO(reach.get_data().decode("utf-8-sig"))))
    assert all(row[-5] == "2009-01-01" for row in body[1:])
    assert all(row[-3].startswith(province.code) for row in body[1:])


def test_knowledge_change_is_split_by_gender(client, users, as_user, places):
    from curriculum.models import SurveyResponse
    from curriculum.services import reports

    def answered(user, phase, score):
        db.session.add(
            SurveyResponse(
                user_id=user.id,
                instrument="knowledge-police",
                kind="knowledge",
                track="police",
                phase=phase,
                score=score,
                max_score=10,
                answers={},
                mode="online",
                content_version="v",
                locale="km",
            )
        )

    woman = make_user("w", tracks=["police"], commune=places["pursat_a"])
    man = make_user("m", tracks=["police"], commune=places["pursat_a"])
    woman.gender, man.gender = "female", "male"
    answered(woman, "pre", 4)
    answered(woman, "post", 9)
    answered(man, "pre", 5)
    answered(man, "post", 6)
    db.session.commit()
    rows = {
        c.label: c for c in reports.pre_post(reports.Filters(), "knowledge", "gender")
    }
    assert rows["female"].change == pytest.approx(50.0)
    assert rows["male"].change == pytest.approx(10.0)
    as_user(users["admin"])
    html = client.get("/reports/learning?lang=en").get_data(as_text=True)
    assert "Female" in html and "+50.0" in html


def test_the_funnel_counts_enrolment_in_the_period_like_the_reach(app, places):
    from datetime import UTC, datetime

    from curriculum.content import catalog
    from curriculum.services import reports

    early = make_user("early", tracks=["police"], commune=places["pursat_a"])
    early.created_at = datetime(2008, 5, 1, tzinfo=UTC)
    make_user("late", tracks=["police"], commune=places["pursat_a"])
    db.session.commit()
    period = reports.Filters(start=local_today().replace(day=1))
    steps = {s.key: s.count for s in reports.funnel(period, catalog())["police"]}
    assert (
        steps["enrolled"]
        == reports.reach(period).by_track_gender["police"]["unspecified"]
        == 1
    )
    everything = reports.Filters()
    assert {s.key: s.count for s in reports.funnel(everything, catalog())["police"]}[
        "enrolled"
    ] == 2


def test_people_reached_are_split_by_sex_and_the_split_checked(
    client, users, as_user, member
):
    from curriculum.services import reports

    as_user(users["facilitator"])
    split = COUNTS | {"women_reached": "100", "men_reached": "60"}
    assert (
        client.post(url(member), data={"month": "2009-03"} | split).status_code == 302
    )
    row = reports.cmg_activity(reports.Filters(), "commune")[0]
    assert row.counts["women_reached"] == 100 and row.counts["men_reached"] == 60
    assert row.reached == 169  # the split is never added to the reach
    too_many = COUNTS | {"women_reached": "150", "men_reached": "60"}
    response = client.post(
        url(member) + "?lang=en", data={"month": "2009-04"} | too_many
    )
    assert response.status_code == 400
    assert "women and men reached add up to more" in response.get_data(as_text=True)
    assert saved(member, date(2009, 4, 1)) is None
