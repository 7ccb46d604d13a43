"""The same person typed another way, elsewhere: warned at roster entry and import.

Names are stored as typed; users.name_key (curriculum.khmer.name_key) lets the whole
country be searched with one indexed query, so that someone with the same name in
another province, or a staff account, is shown as a warning, never as a block.
"""

import io

import pytest
from sqlalchemy import func, select

from curriculum.extensions import db
from curriculum.khmer import name_key
from curriculum.models import User
from tests.factories import accounts_user, make_user, make_workshop


@pytest.fixture()
def workshop(app, users, places):
    return make_workshop(users["facilitator"], places["pursat_a"])


def create(client, workshop, **fields):
    data = {"gender": "male", "track": "police"} | fields
    return client.post(f"/workshops/{workshop.id}/roster/new?lang=en", data=data)


def upload(client, workshop, rows):
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return client.post(
        f"/workshops/{workshop.id}/roster/import?lang=en",
        data={"file": (io.BytesIO(text.encode("utf-8")), "list.csv")},
        content_type="multipart/form-data",
    )


def test_the_name_key_is_kept_with_the_name(app, places):
    person = accounts_user("santa", "សាន្ដ  ដារ៉ា", commune=places["pursat_a"])
    assert person.name_key == name_key("សាន្ត ដារ៉ា")  # ដ/ត and spaces agree
    person.display_name = "ចន្រ្ទា"
    db.session.commit()
    assert person.name_key == name_key("ចន្ទ្រា")  # subscripts in the other order


def test_the_same_name_in_another_province_is_a_warning_at_entry(
    client, users, as_user, workshop, places
):
    far = accounts_user("far.dara", "សាន្ត ដារ៉ា", commune=places["prey_veng"])
    as_user(users["facilitator"])
    response = create(client, workshop, display_name="សាន្ដ ដារ៉ា")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'name="user_id" value="{far.id}"' in html
    assert "In another province." in html
    # A warning, not a block: create anyway makes the account.
    before = db.session.scalar(select(func.count(User.id)))
    confirmed = create(client, workshop, display_name="សាន្ដ ដារ៉ា", confirm="1")
    assert confirmed.status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == before + 1


def test_a_staff_account_with_the_same_name_is_shown_too(
    client, users, as_user, workshop, places
):
    staff = make_user("staff.one", "committee", commune=places["pursat_a"])
    as_user(users["facilitator"])
    html = create(client, workshop, display_name=staff.display_name).get_data(
        as_text=True
    )
    assert f'value="{staff.id}"' in html and "A staff account." in html


def test_the_import_warns_about_far_names_and_staff(
    client, users, as_user, workshop, places
):
    accounts_user("far.dara", "ចន្ទ្រា សុខ", commune=places["prey_veng"])
    staff = make_user("staff.two", "committee", commune=places["pursat_a"])
    as_user(users["facilitator"])
    rows = [
        ["name", "latin name", "phone", "gender", "track", "username"],
        ["ចន្រ្ទា សុខ", "", "", "male", "police", ""],
        [staff.display_name, "", "", "male", "police", ""],
    ]
    html = upload(client, workshop, rows).get_data(as_text=True)
    assert "has an account in another province" in html
    assert "A staff account has the same name" in html


# -- the optional age band, at entry and import, and in the reach --------------------------
def test_an_age_band_is_recorded_at_entry_and_import_and_counted_in_the_reach(
    client, users, as_user, workshop
):
    import csv

    as_user(users["facilitator"])
    response = create(client, workshop, display_name="ថ្មី មួយ", age_band="25-34")
    assert response.status_code == 302
    rows = [
        ["name", "gender", "track", "អាយុ"],
        ["ថ្មី ពីរ", "male", "police", "២៥-៣៤"],
        ["ថ្មី បី", "male", "police", ""],
    ]
    assert upload(client, workshop, rows).status_code == 302
    bands = dict(
        db.session.execute(
            select(User.display_name, User.age_band).where(
                User.display_name.like("ថ្មី%")
            )
        ).all()
    )
    assert bands == {"ថ្មី មួយ": "25-34", "ថ្មី ពីរ": "25-34", "ថ្មី បី": None}
    client.post("/logout")
    as_user(users["admin"])
    html = client.get("/reports/?lang=en").get_data(as_text=True)
    assert "By age" in html
    export = (
        client.get("/reports/export/ages.csv?lang=en").get_data().decode("utf-8-sig")
    )
    table = {row[0]: row[1] for row in csv.reader(io.StringIO(export))}
    # The fixture's two trainees have no age band either.
    assert table["25-34"] == "2" and table["Not said"] == "3"


def test_a_wrong_age_band_in_a_file_is_refused_with_a_reason(
    client, users, as_user, workshop
):
    as_user(users["facilitator"])
    rows = [["name", "gender", "track", "age"], ["ថ្មី", "male", "police", "old"]]
    response = upload(client, workshop, rows)
    assert "Age must be 15-24, 25-34, 35-49 or 50+." in response.get_data(as_text=True)
    assert not db.session.scalar(select(User.id).where(User.display_name == "ថ្មី"))
