"""Importing a roster from CSV or XLSX: all rows or none, every problem named."""

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.models import AuditEvent, Enrolment, SetupCode, User
from curriculum.services import spreadsheets, workshops
from curriculum.services.spreadsheets import Problem
from curriculum.views.workshop_messages import (
    INVALID_REASONS,
    PROBLEM_MESSAGES,
    problem_message,
)
from tests.factories import accounts_user, make_workshop

GOOD_ROWS = [
    ["ឈ្មោះ", "ឈ្មោះឡាតាំង", "ទូរស័ព្ទ", "ភេទ", "ក្រុម"],
    ["ហេង ដារ៉ា", "Heng Dara", "012 345 678", "ប្រុស", "នគរបាល"],
    ["លី បុប្ផា", "Ly Bopha", "", "ស្រី", "បុគ្គលិកសុខាភិបាល"],
    ["កែវ សុខា", "", "+855 97 765 4321", "male", "cmg"],
]


@pytest.fixture()
def workshop(app, users, places):
    return make_workshop(users["facilitator"], places["pursat_a"])


def csv_bytes(rows, bom=True, delimiter=","):
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, workshop, name, data, lang="en", **extra):
    return client.post(
        f"/workshops/{workshop.id}/roster/import?lang={lang}",
        data={"file": (io.BytesIO(data), name)} | extra,
        content_type="multipart/form-data",
    )


def people_count():
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("roster.csv", csv_bytes(GOOD_ROWS)),
        ("roster.csv", csv_bytes(GOOD_ROWS, bom=False, delimiter=";")),
        ("Roster.XLSX", None),
    ],
)
def test_a_good_file_puts_everyone_on_the_roster_with_setup_cards(
    client, users, as_user, workshop, name, data
):
    if data is None:
        rows = [list(row) for row in GOOD_ROWS]
        rows[1][2] = 12345678  # a spreadsheet drops the leading 0 of a number
        data = xlsx_bytes(rows)
    as_user(users["facilitator"])
    response = upload(client, workshop, name, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/workshops/{workshop.id}/cards")
    people = workshops.roster(workshop)
    assert [p.number for p in people] == [1, 2, 3]
    dara, bopha, sokha = (p.user for p in people)
    assert (dara.display_name, dara.latin_name, dara.username) == (
        "ហេង ដារ៉ា",
        "Heng Dara",
        "heng.dara",
    )
    assert dara.phone == "012345678" and dara.gender == "male"
    assert dara.tracks == ["police"] and bopha.tracks == ["health"]
    assert bopha.gender == "female" and bopha.phone is None
    assert sokha.phone == "0977654321" and sokha.username.startswith("t")
    assert all(p.user.password_hash is None for p in people)
    assert db.session.scalar(select(func.count(SetupCode.id))) == 3
    html = client.get(f"/workshops/{workshop.id}/cards").get_data(as_text=True)
    assert html.count('class="setup-card"') == 3
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "roster.import")
    )
    assert event.detail["rows"] == 3


def test_a_bad_file_imports_nothing_and_names_every_bad_row(
    client, users, as_user, workshop
):
    rows = [
        ["name", "latin name", "phone", "gender", "track", "username"],
        ["ហេង ដារ៉ា", "Heng Dara", "012 345 678", "male", "police", ""],  # row 2: fine
        ["", "No Khmer", "", "female", "health", ""],  # row 3: name missing
        ["", "", "", "", "", ""],  # row 4: blank, skipped
        ["លី បុប្ផា", "", "12ab", "female", "health", ""],  # row 5: phone
        ["កែវ សុខា", "", "", "dog", "pilot", ""],  # row 6: gender and track
        ["ស៊ុន រិទ្ធី", "", "", "male", "leaders", "trainee"],  # row 7: username taken
        ["ហេង ដារ៉ា", "Heng Dara", "012 345 678", "male", "police", ""],  # row 8: repeat
    ]
    before = people_count()
    as_user(users["facilitator"])
    response = upload(client, workshop, "list.csv", csv_bytes(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert people_count() == before
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    assert "Nothing was imported" in html
    for expected in [
        "Row 3:</strong> Name in Khmer is empty.",
        "Row 5:</strong> Phone is not a Cambodian phone number",
        "Row 6:</strong> Gender must be female, male, other or unspecified",
        "Row 6:</strong> Track must be police, leaders, health or cmg",
        "Row 7:</strong> The username trainee is taken.",
        "Row 8:</strong> This row repeats row 2.",
    ]:
        assert expected in html, expected
    assert "Row 2:" not in html and "Row 4:" not in html


def test_row_numbers_are_in_khmer_digits_on_a_khmer_page(
    client, users, as_user, workshop
):
    rows = [["name", "track"], ["", "police"]]
    as_user(users["facilitator"])
    html = upload(client, workshop, "a.csv", csv_bytes(rows), lang="km").get_data(True)
    assert '<html lang="km">' in html and "២:</strong>" in html


def test_a_file_level_problem_is_explained(client, users, as_user, workshop):
    as_user(users["facilitator"])
    cases = [
        ("list.txt", b"name\nx\n", "The file must be a CSV or an XLSX file."),
        (
            "list.csv",
            "name,track\nសុខ,police\n".encode("utf-16"),
            "The file is not saved as UTF-8",
        ),
        (
            "list.csv",
            csv_bytes([["latin name"], ["Sok"]]),
            "The column “name” is missing.",
        ),
        (
            "list.csv",
            csv_bytes([["name", "track"]]),
            "The file has no rows under its header row.",
        ),
        ("list.xlsx", b"PK not really a zip", "The file cannot be read."),
    ]
    for name, data, message in cases:
        response = upload(client, workshop, name, data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), name
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


def test_possible_duplicates_stop_the_import_until_confirmed(
    client, users, as_user, workshop, places
):
    accounts_user("old.dara", "ហេង\u200bដារ៉ា", commune=places["pursat_b"])
    rows = [
        ["name", "phone", "track"],
        ["ហេង ដារ៉ា", "", "police"],  # same name as an account (zero-width space)
        ["លី បុប្ផា", "012 111 222", "health"],
        ["លី ចន្ថា", "+855 12 111 222", "health"],  # same phone as row 3
    ]
    data = csv_bytes(rows)
    as_user(users["facilitator"])
    response = upload(client, workshop, "list.csv", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "possible duplicates" in html
    assert "Row 2:</strong> Someone with the same name has an account" in html
    assert "old.dara" in html
    assert "Row 4:</strong> Same phone number as row 3." in html
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    response = upload(client, workshop, "list.csv", data, create_anyway="y")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Enrolment.id))) == 3


def test_row_numbers_count_blank_rows_in_xlsx(client, users, as_user, workshop):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "track"])
    sheet.append(["សុខ", "police"])
    sheet.append([])
    sheet.append([])
    sheet.append(["ចន្ថា", "astronaut"])
    out = io.BytesIO()
    book.save(out)
    as_user(users["facilitator"])
    html = upload(client, workshop, "x.xlsx", out.getvalue()).get_data(as_text=True)
    assert "Row 5:</strong> Track must be" in html


def test_every_problem_code_and_reason_has_a_message(app):
    assert set(spreadsheets.PROBLEM_CODES) <= set(PROBLEM_MESSAGES)
    assert set(workshops.IMPORT_REASONS) | {"control_character"} <= set(INVALID_REASONS)
    with app.test_request_context("/?lang=en"):
        for code in PROBLEM_MESSAGES:
            text = problem_message(
                Problem(
                    3,
                    "phone",
                    code,
                    {
                        "max_mb": 2,
                        "line": 4,
                        "max": 9,
                        "header": "name",
                        "username": "u",
                        "other": 2,
                        "name": "n",
                        "allowed": "x",
                    },
                )
            )
            assert "%(" not in text and text, code
        for reason in INVALID_REASONS:
            text = problem_message(Problem(3, "gender", "invalid", {"reason": reason}))
            assert text.startswith("Gender"), reason


def test_the_example_file_imports_as_it_is(client, users, as_user, workshop):
    as_user(users["facilitator"])
    example = client.get("/workshops/roster-template.csv")
    assert example.mimetype == "text/csv"
    response = upload(client, workshop, "roster-template.csv", example.get_data())
    assert response.status_code == 302
    assert workshops.roster(workshop)[0].user.tracks == ["police"]
