"""Hostile input is refused with a clear message or stored and shown safely: never a 500."""

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from curriculum.extensions import db
from curriculum.models import CmgMonthlyReport, CommuneGroupMember, User
from tests.factories import make_workshop

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQLISH = "Robert'); DROP TABLE users;--"
# "Sokha" typed with the vowel before the subscript and zero-width spaces inside.
KHMER_MESSY = "\u200bស\u17bb\u200bខ\u17b6"
FORMULA = '=HYPERLINK("http://evil.example","click")'
HOSTILE = [SCRIPT, SQLISH, KHMER_MESSY, FORMULA, "\u202eevil", "a\x00b"]


@pytest.mark.parametrize("value", HOSTILE)
def test_login_with_hostile_usernames_never_fails_badly(client, users, value):
    response = client.post("/login", data={"username": value, "password": value})
    assert response.status_code in (200, 400)
    assert "<script>alert" not in response.get_data(as_text=True)


def test_a_one_megabyte_field_is_refused_with_a_clear_message(client, users):
    response = client.post(
        "/login?lang=en", data={"username": "x" * 1_000_000, "password": "y"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A username has at most 64 characters." in html
    assert "x" * 1000 not in html  # not echoed back


def test_a_body_over_the_limit_is_refused_with_a_page(client, users):
    response = client.post(
        "/login", data={"username": "x" * 3_000_000, "password": "y"}
    )
    assert response.status_code == 413
    assert '<html lang="km">' in response.get_data(as_text=True)


def test_wrong_encoding_in_a_query_string_is_harmless(client, users, as_user):
    as_user(users["admin"])
    response = client.get("/reports/?province=%ff%fe&start=%c0%af")
    assert response.status_code == 200


@pytest.mark.parametrize("value", [SCRIPT, SQLISH, FORMULA])
def test_hostile_names_are_stored_as_typed_and_shown_escaped(
    app, client, users, places, as_user, value
):
    workshop = make_workshop(users["facilitator"], places["pursat_a"])
    as_user(users["facilitator"])
    response = client.post(
        f"/workshops/{workshop.id}/roster/new?lang=en",
        data={
            "display_name": value,
            "gender": "male",
            "track": "police",
            "latin_name": "Test Person",
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.display_name == value))
    assert person is not None  # stored exactly as typed
    html = client.get(f"/workshops/{workshop.id}/roster").get_data(as_text=True)
    assert SCRIPT not in html
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    assert escaped in html  # shown, escaped, never executed


def test_khmer_with_misordered_marks_is_found_as_a_duplicate(
    app, client, users, places, as_user
):
    workshop = make_workshop(users["facilitator"], places["pursat_a"])
    as_user(users["facilitator"])
    first = client.post(
        f"/workshops/{workshop.id}/roster/new?lang=en",
        data={
            "display_name": "សុខា",
            "gender": "male",
            "track": "police",
            "latin_name": "Sokha One",
        },
    )
    assert first.status_code == 302
    second = client.post(
        f"/workshops/{workshop.id}/roster/new?lang=en",
        data={
            "display_name": KHMER_MESSY,
            "gender": "male",
            "track": "police",
            "latin_name": "Sokha Two",
        },
    )
    assert second.status_code in (200, 400)  # held back with a duplicate warning
    assert db.session.query(User).filter(User.latin_name == "Sokha Two").count() == 0


def test_report_exports_neutralise_spreadsheet_formulas(
    app, client, users, places, as_user
):
    from curriculum.services import reports

    group = reports.create_group(FORMULA, FORMULA, users["admin"])
    assert group.id
    db.session.add(
        CommuneGroupMember(commune_id=places["pursat_a"].id, group_id=group.id)
    )
    member = users["candidate"]
    db.session.add(
        CmgMonthlyReport(
            member_id=member.id,
            commune_id=places["pursat_a"].id,
            month=date.today().replace(day=1),
            men_counselled=1,
        )
    )
    db.session.commit()
    as_user(users["admin"])
    response = client.get("/reports/export/cmg.xlsx?lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=2, column=1).value
    assert cell.startswith("'=")
    text = client.get("/reports/export/cmg.csv?lang=en").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
