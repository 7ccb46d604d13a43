"""Finding people: search as Khmer is typed, and likely duplicates of a new person."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from curriculum.extensions import db
from curriculum.khmer import name_key, normalize_khmer, phone_key
from curriculum.models import Commune, Enrolment, User, Workshop

SEARCH_LIMIT = 20


def mask_phone(phone: str | None) -> str:
    """Return the last three digits of a phone number, the rest hidden."""
    digits = phone_key(phone or "")
    return f"••• {digits[-3:]}" if len(digits) >= 3 else ""


def province_of(workshop: Workshop) -> int | None:
    """Return the province of a workshop's commune, or None."""
    commune = db.session.get(Commune, workshop.commune_id)
    return commune.province_id if commune else None


def _bare_phone():
    """Return User.phone without the spaces, dashes, dots and brackets people type."""
    column = User.phone
    for sign in (" ", "-", ".", "(", ")", "+"):
        column = func.replace(column, sign, "")
    return column


def _phone_tail(digits: str) -> str:
    # The last 8 digits are the same in 012 345 678, +855 12 345 678 and 85512345678.
    return digits[-8:]


def _local_trainees(province_id: int | None, phones: Iterable[str] = ()):
    """Return (id, name, latin, phone) of trainees near a province (one query).

    Names cannot be compared in SQL (Khmer spellings that look the same differ in
    bytes), so they are compared in Python among the people of the province. Phone
    numbers are matched everywhere on their last digits, then compared exactly.
    """
    near = [User.province_id.is_(None)]
    if province_id is not None:
        near.append(User.province_id == province_id)
    for tail in sorted({_phone_tail(phone) for phone in phones if phone}):
        near.append(_bare_phone().contains(tail, autoescape=True))
    return db.session.execute(
        select(User.id, User.display_name, User.latin_name, User.phone).where(
            User.role == "trainee", User.active.is_(True), or_(*near)
        )
    ).all()


def search_trainees(workshop: Workshop, query: str) -> list[User]:
    """Find trainees by name, username or phone, normalised as Khmer is typed."""
    text = normalize_khmer(query or "")[:100]
    key = name_key(text)
    digits = phone_key(text)
    if len(key) < 2 and len(digits) < 3:
        return []
    lowered = text.casefold()
    conditions = [
        User.username.contains(lowered, autoescape=True),
        func.lower(User.latin_name).contains(lowered, autoescape=True),
        User.display_name.contains(text, autoescape=True),
    ]
    phone_like = len(digits) >= 3 and sum(ch.isdigit() for ch in key) >= len(key) - 1
    if phone_like:
        conditions.append(_bare_phone().contains(_phone_tail(digits), autoescape=True))
    found = list(
        db.session.scalars(
            select(User.id)
            .where(User.role == "trainee", User.active.is_(True), or_(*conditions))
            .order_by(User.display_name)
            .limit(SEARCH_LIMIT)
        )
    )
    if len(found) < SEARCH_LIMIT and key:
        for row in _local_trainees(province_of(workshop)):
            if row.id in found:
                continue
            names = name_key(row.display_name) + " " + name_key(row.latin_name or "")
            by_phone = phone_like and _phone_tail(digits) in phone_key(row.phone or "")
            if key in names or by_phone:
                found.append(row.id)
                if len(found) >= SEARCH_LIMIT:
                    break
    return users_by_ids(found)


def users_by_ids(ids: list[int]) -> list[User]:
    """Return people by id in the order given, their communes loaded (two queries)."""
    if not ids:
        return []
    people = {
        person.id: person
        for person in db.session.scalars(select(User).where(User.id.in_(ids)))
    }
    _load_user_communes(people.values())
    return [people[i] for i in ids if i in people]


def _load_user_communes(people: Iterable[User]) -> None:
    ids = {person.commune_id for person in people if person.commune_id}
    if ids:
        list(db.session.scalars(select(Commune).where(Commune.id.in_(ids))))


@dataclass(frozen=True)
class Match:
    """An existing person who may be the one being added."""

    user: User
    by_name: bool
    by_phone: bool
    on_roster: bool = False
    # Found outside the workshop's province, or a staff account: a warning, not a block.
    elsewhere: bool = False
    staff: bool = False


def name_keys(*names: str | None) -> set[str]:
    """Return the comparable keys of the names given (blank ones dropped)."""
    return {name_key(name) for name in names if name} - {""}


class PeopleIndex:
    """Existing trainees by name key and by phone, built with one query."""

    def __init__(self, province_id: int | None, phones: Iterable[str] = ()) -> None:
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_phone: dict[str, set[int]] = defaultdict(set)
        for row in _local_trainees(province_id, phones):
            for key in name_keys(row.display_name, row.latin_name):
                self.by_name[key].add(row.id)
            if row.phone and phone_key(row.phone):
                self.by_phone[phone_key(row.phone)].add(row.id)

    def far(self, keys: Iterable[str], province_id: int | None) -> dict[str, list]:
        """Return, by name key, people with that name outside the province or staff.

        One indexed query on users.name_key over the whole country: (id, is staff).
        """
        wanted = sorted(set(keys) - {""})
        found: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        if not wanted:
            return found
        rows = db.session.execute(
            select(User.id, User.name_key, User.role, User.province_id).where(
                User.name_key.in_(wanted), User.active.is_(True)
            )
        )
        for user_id, key, role, province in rows:
            staff = role != "trainee"
            if staff or (province is not None and province != province_id):
                found[key].append((user_id, staff))
        return found

    def matches(self, names: set[str], phone: str) -> dict[int, tuple[bool, bool]]:
        """Return {user id: (same name, same phone)}."""
        found: dict[int, tuple[bool, bool]] = {}
        for key in names:
            for user_id in self.by_name.get(key, ()):
                found[user_id] = (True, False)
        for user_id in self.by_phone.get(phone, ()) if phone else ():
            found[user_id] = (found.get(user_id, (False, False))[0], True)
        return found


def likely_duplicates(
    workshop: Workshop, display_name: str, latin_name: str | None, phone: str | None
) -> list[Match]:
    """Return existing trainees with the same name (as Khmer is typed) or phone."""
    phone = phone_key(phone or "")
    province = province_of(workshop)
    index = PeopleIndex(province, [phone])
    found = index.matches(name_keys(display_name, latin_name), phone)
    far = {
        user_id: staff
        for hits in index.far([name_key(display_name)], province).values()
        for user_id, staff in hits
        if user_id not in found
    }
    for user_id in far:
        found[user_id] = (True, False)
    if not found:
        return []
    enrolled = set(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.workshop_id == workshop.id,
                Enrolment.user_id.in_(list(found)),
            )
        )
    )
    people = users_by_ids(sorted(found))
    return [
        Match(
            person,
            *found[person.id],
            on_roster=person.id in enrolled,
            elsewhere=person.id in far and not far[person.id],
            staff=far.get(person.id, False),
        )
        for person in people
    ]
