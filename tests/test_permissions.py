"""The predicates of permissions.py, tested directly, and the SQL scope filter beside them."""

import pytest
from sqlalchemy import func, select

from curriculum import permissions
from curriculum.extensions import db
from curriculum.models import Commune, User
from tests.factories import make_user


@pytest.fixture()
def staff(places):
    return {
        "admin": make_user("admin", "admin"),
        "pursat committee": make_user(
            "pc", "committee", commune=places["pursat_a"], scope="province"
        ),
        "commune committee": make_user("cc", "committee", commune=places["pursat_a"]),
        "facilitator": make_user("fac", "facilitator", commune=places["pursat_b"]),
        "unplaced committee": make_user("nc", "committee"),
    }


def _place(commune):
    return (commune.province_id, commune.id) if commune else (None, None)


# Which of the three test communes each staff member may see.
EXPECTED = {
    "admin": {"pursat_a", "pursat_b", "prey_veng"},
    "pursat committee": {"pursat_a", "pursat_b"},
    "commune committee": {"pursat_a"},
    "facilitator": {"pursat_b"},
    "unplaced committee": set(),
}


@pytest.mark.parametrize("who", EXPECTED)
def test_in_scope_allows_exactly_the_places_of_the_staff_members_scope(
    staff, places, who
):
    seen = {
        name
        for name, commune in places.items()
        if permissions.in_scope(staff[who], *_place(commune))
    }
    assert seen == EXPECTED[who]


@pytest.mark.parametrize("who", EXPECTED)
def test_scope_filter_keeps_the_same_people_as_in_scope(staff, places, who):
    people = {
        name: make_user(f"t-{name}", tracks=["cmg"], commune=commune)
        for name, commune in places.items()
    }
    query = (
        select(User.username)
        .outerjoin(Commune, Commune.id == User.commune_id)
        .where(User.username.in_([p.username for p in people.values()]))
        .where(
            permissions.scope_filter(
                staff[who],
                func.coalesce(Commune.province_id, User.province_id),
                User.commune_id,
            )
        )
    )
    kept = set(db.session.scalars(query))
    assert kept == {f"t-{name}" for name in EXPECTED[who]}


def test_a_place_without_a_commune_is_outside_a_commune_scope(staff, places):
    province = places["pursat_a"].province_id
    assert not permissions.in_scope(staff["commune committee"], province, None)
    assert permissions.in_scope(staff["pursat committee"], province, None)


def test_province_visible_offers_only_the_staff_members_province(staff, places):
    pursat = places["pursat_a"].province_id
    prey_veng = places["prey_veng"].province_id
    assert permissions.province_visible(staff["admin"], prey_veng)
    assert permissions.province_visible(staff["commune committee"], pursat)
    assert not permissions.province_visible(staff["pursat committee"], prey_veng)
    assert not permissions.province_visible(staff["unplaced committee"], pursat)


@pytest.mark.parametrize(
    ("role", "tracks", "learn", "committee", "workshops", "reports"),
    [
        ("trainee", ["police"], True, False, False, False),
        ("trainee", ["cmg"], True, False, False, False),
        ("facilitator", [], False, False, True, False),
        ("committee", [], False, True, False, True),
        ("admin", [], False, True, True, True),
    ],
)
def test_role_predicates_give_each_role_its_pages(
    places, role, tracks, learn, committee, workshops, reports
):
    user = make_user(f"u-{role}-{len(tracks)}", role, tracks=tracks)
    assert permissions.can_learn(user) is learn
    assert permissions.can_use_committee_pages(user) is committee
    assert permissions.can_manage_workshops(user) is workshops
    assert permissions.can_view_reports(user) is reports
    assert permissions.is_admin(user) is (role == "admin")


def test_only_the_committee_in_scope_decides_and_admins_only_read(staff, places):
    candidate = make_user("cand", tracks=["cmg"], commune=places["pursat_a"])
    police = make_user("pol", tracks=["police"], commune=places["pursat_a"])
    assert permissions.can_decide_on_candidate(staff["pursat committee"], candidate)
    assert permissions.can_view_candidate(staff["admin"], candidate)
    assert not permissions.can_decide_on_candidate(staff["admin"], candidate)
    assert not permissions.can_view_candidate(staff["facilitator"], candidate)
    # Only CMG trainees are candidates.
    assert not permissions.can_view_candidate(staff["pursat committee"], police)
    assert permissions.can_see_own_vetting(candidate)
    assert not permissions.can_see_own_vetting(police)


def test_the_workshop_filter_keeps_exactly_the_workshops_a_user_may_manage(places):
    from curriculum.models import Workshop
    from tests.factories import make_workshop

    admin = make_user("wadmin", "admin")
    creator = make_user("wcreator", "facilitator", commune=places["pursat_a"])
    helper = make_user("whelper", "facilitator", commune=places["pursat_a"])
    other = make_user("wother", "facilitator", commune=places["pursat_b"])
    trainee = make_user("wtrainee", tracks=["police"], commune=places["pursat_a"])
    mine = make_workshop(creator, places["pursat_a"], cofacilitators=[helper])
    theirs = make_workshop(other, places["pursat_b"])
    every = [mine, theirs]
    for user in (admin, creator, helper, other, trainee):
        kept = set(
            db.session.scalars(
                select(Workshop.id).where(permissions.managed_workshops_filter(user))
            )
        )
        allowed = {w.id for w in every if permissions.can_manage_workshop(user, w)}
        assert kept == allowed, user.username
    assert permissions.can_manage_workshop(helper, mine)
    assert not permissions.can_manage_workshop(other, mine)
