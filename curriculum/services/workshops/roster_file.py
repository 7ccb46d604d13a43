"""Importing a roster file: read the cells, check every row, create everyone."""

import re
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.khmer import ascii_digits, name_key, normalize_khmer
from curriculum.models import AGE_BANDS, TRACKS, User, Workshop
from curriculum.services import audit, spreadsheets
from curriculum.services.spreadsheets import Column, Problem
from curriculum.services.workshops.errors import WorkshopError
from curriculum.services.workshops.new_trainees import (
    Created,
    enrol_new_trainees,
    free_usernames,
    new_trainee,
    parse_phone,
    parse_username,
)
from curriculum.services.workshops.people import (
    PeopleIndex,
    name_keys,
    province_of,
    users_by_ids,
)
from curriculum.services.workshops.schedule import check_open

MAX_IMPORT_ROWS = 150
_GENDER_WORDS = {
    "female": ("female", "f", "woman", "women", "ស្រី", "នារី", "ស្ត្រី", "ភេទស្រី"),
    "male": ("male", "m", "man", "men", "ប្រុស", "បុរស", "ភេទប្រុស"),
    "other": ("other", "ផ្សេង", "ផ្សេងទៀត", "ផ្សេងៗ"),
    "unspecified": (
        "unspecified",
        "not said",
        "unknown",
        "មិនបញ្ជាក់",
        "មិនបានបញ្ជាក់",
        "មិនដឹង",
    ),
}

_TRACK_WORDS = {
    "police": (
        "police",
        "police officer",
        "police officers",
        "នគរបាល",
        "មន្ត្រីនគរបាល",
        "ប៉ូលិស",
    ),
    "leaders": (
        "leaders",
        "leader",
        "local leader",
        "local leaders",
        "village chief",
        "commune chief",
        "village leader",
        "commune leader",
        "អ្នកដឹកនាំ",
        "មេភូមិ",
        "មេឃុំ",
        "អ្នកដឹកនាំភូមិ",
        "អ្នកដឹកនាំឃុំ",
    ),
    "health": (
        "health",
        "health worker",
        "health workers",
        "សុខាភិបាល",
        "បុគ្គលិកសុខាភិបាល",
        "មន្ត្រីសុខាភិបាល",
    ),
    "cmg": (
        "cmg",
        "cmg member",
        "cmg members",
        "community men's group",
        "community mens group",
        "ក្រុមបុរសសហគមន៍",
        "សមាជិកក្រុមបុរសសហគមន៍",
        "បេក្ខជនក្រុមបុរសសហគមន៍",
    ),
}

IMPORT_REASONS = ("gender", "track", "phone", "username", "blank")


def _word_table(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {name_key(word): key for key, options in words.items() for word in options}


_GENDERS_BY_WORD = _word_table(_GENDER_WORDS)


def parse_gender(text: str) -> str:
    """Return a gender key from a word in Khmer or English; ValueError('gender')."""
    found = _GENDERS_BY_WORD.get(name_key(text))
    if found is None:
        raise ValueError("gender")
    return found


def parse_age_band(text: str) -> str:
    """Return an age band (15-24, 25-34, 35-49, 50+; Khmer digits too); ValueError."""
    band = ascii_digits(text).replace(" ", "").replace("–", "-")
    if band not in AGE_BANDS:
        raise ValueError("age_band")
    return band


def track_words(catalog: Catalog | None) -> dict[str, str]:
    """Return every accepted spelling of each track (keys, titles, common words)."""
    words = {key: list(options) + [key] for key, options in _TRACK_WORDS.items()}
    for track in catalog.tracks if catalog else ():
        spellings = words.setdefault(track.key, [track.key])
        spellings.extend([track.title.km, track.title.en])
    return _word_table({key: tuple(options) for key, options in words.items()})


def parse_tracks(text: str, table: dict[str, str]) -> list[str]:
    """Return track keys from a cell ('police', 'នគរបាល', 'health; cmg')."""
    whole = table.get(name_key(text))
    if whole:
        return [whole]
    found = []
    for part in re.split(r"[,;/|+]", text):
        if not name_key(part):
            continue
        key = table.get(name_key(part))
        if key is None:
            raise ValueError("track")
        found.append(key)
    if not found:
        raise ValueError("track")
    return [t for t in TRACKS if t in found]


def _parse_name(text: str) -> str:
    value = normalize_khmer(text)
    if not name_key(value):
        raise ValueError("blank")
    return value


def roster_columns(catalog: Catalog | None) -> list[Column]:
    """Return the columns of a roster file; headers in English or Khmer."""
    tracks = track_words(catalog)
    return [
        Column(
            "name",
            (
                "name",
                "name_km",
                "khmer name",
                "name in khmer",
                "ឈ្មោះ",
                "ឈ្មោះខ្មែរ",
                "ឈ្មោះជាភាសាខ្មែរ",
                "គោត្តនាម និងនាម",
            ),
            required=True,
            parse=_parse_name,
        ),
        Column(
            "latin_name",
            (
                "latin name",
                "name_latin",
                "name in latin letters",
                "english name",
                "ឈ្មោះឡាតាំង",
                "ឈ្មោះជាអក្សរឡាតាំង",
            ),
            parse=normalize_khmer,
        ),
        Column(
            "phone",
            ("phone", "telephone", "phone number", "mobile", "ទូរស័ព្ទ", "លេខទូរស័ព្ទ"),
            max_length=32,
            parse=parse_phone,
        ),
        Column("gender", ("gender", "sex", "ភេទ"), max_length=32, parse=parse_gender),
        Column(
            "track",
            ("track", "tracks", "ក្រុម", "ផ្លូវសិក្សា", "តួនាទី"),
            required=True,
            parse=lambda text: parse_tracks(text, tracks),
        ),
        Column(
            "username",
            ("username", "user name", "ឈ្មោះអ្នកប្រើ"),
            max_length=64,
            parse=parse_username,
        ),
        Column(
            "age_band",
            ("age", "age band", "អាយុ"),
            max_length=16,
            parse=parse_age_band,
        ),
    ]


TEMPLATE_HEADER = ["name", "latin name", "phone", "gender", "track", "username"]
TEMPLATE_EXAMPLE = ["សុខ ដារ៉ា", "Sok Dara", "012 345 678", "ប្រុស", "នគរបាល", ""]


@dataclass(frozen=True)
class ImportCheck:
    """A roster file, checked: rows to create, what stops them, what to look at."""

    rows: list[dict[str, object]]
    problems: list[Problem]  # any of these: nothing is imported
    warnings: list[Problem] = field(default_factory=list)  # possible duplicates

    def ready(self, create_anyway: bool) -> bool:
        """Return True when the rows may be imported now."""
        return (
            bool(self.rows)
            and not self.problems
            and (create_anyway or not self.warnings)
        )


def check_roster_file(
    workshop: Workshop, filename: str, data: bytes, catalog: Catalog | None
) -> ImportCheck:
    """Read a roster file and check every row; list every problem with its row."""
    columns = roster_columns(catalog)
    table = spreadsheets.read_table(filename, data, columns, max_rows=MAX_IMPORT_ROWS)
    read_problems = list(table.problems)
    rows = table.rows
    if not table.ok:
        rows = _rows_despite_problems(table, columns, filename, data)
    if not rows:
        return ImportCheck([], sorted(read_problems, key=_problem_order))
    numbers = _row_numbers(filename, data, len(rows))
    numbered = list(zip(numbers, rows, strict=True))
    checks = _FileChecks(workshop, numbered)
    return ImportCheck(
        [row for _, row in numbered] if table.ok else [],
        sorted(read_problems + checks.problems, key=_problem_order),
        sorted(checks.warnings, key=_problem_order),
    )


def _rows_despite_problems(
    table: spreadsheets.Table, columns: list[Column], filename: str, data: bytes
) -> list[dict]:
    """Return the rows of a file with wrong cells, or none when its header is wrong."""
    if any(p.row == 0 or p.code in _HEADER_CODES for p in table.problems):
        return []
    # Some cells are wrong: read the rest anyway, so that the rules below
    # (usernames, repeated rows) are checked too and every problem is listed.
    lenient = _lenient(columns)
    return spreadsheets.read_table(
        filename, data, lenient, max_rows=MAX_IMPORT_ROWS
    ).rows


class _FileChecks:
    """The rows of a roster file checked against each other and existing accounts."""

    def __init__(self, workshop: Workshop, numbered: list[tuple[int, dict]]) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        usernames = [row["username"] for _, row in numbered if row["username"]]
        self.taken = _taken_usernames(usernames)
        phones = [row["phone"] for _, row in numbered if row["phone"]]
        self.province = province_of(workshop)
        self.index = PeopleIndex(self.province, phones)
        self.far = self.index.far(
            (name_key(row["name"] or "") for _, row in numbered), self.province
        )
        self.seen_username: dict[str, int] = {}
        self.seen_person: dict[tuple[frozenset, str], int] = {}
        self.seen_name: dict[str, int] = {}
        self.seen_phone: dict[str, int] = {}
        self.matched: dict[int, list[tuple[int, bool, bool]]] = {}
        for number, row in numbered:
            self._check_row(number, row)
        self._warn_about_accounts()

    def _check_row(self, number: int, row: dict) -> None:
        if row["username"]:
            self._check_username(number, row["username"])
        names = frozenset(name_keys(row["name"], row["latin_name"]))
        phone = row["phone"] or ""
        person = (names, phone)
        if person in self.seen_person:
            self.problems.append(
                Problem(
                    number, None, "row_repeated", {"other": self.seen_person[person]}
                )
            )
            return
        self.seen_person[person] = number
        self._check_same_in_file(number, names, phone)
        local = self.index.matches(set(names), phone)
        for user_id, (by_name, by_phone) in local.items():
            self.matched.setdefault(user_id, []).append((number, by_name, by_phone))
        for user_id, staff in self.far.get(name_key(row["name"] or ""), ()):
            if user_id not in local:
                kind = "staff" if staff else "elsewhere"
                self.matched.setdefault(user_id, []).append((number, True, kind))

    def _check_username(self, number: int, username: str) -> None:
        if username in self.taken:
            self.problems.append(
                Problem(number, "username", "username_taken", {"username": username})
            )
        elif username in self.seen_username:
            other = self.seen_username[username]
            self.problems.append(
                Problem(number, "username", "username_repeated", {"other": other})
            )
        self.seen_username.setdefault(username, number)

    def _check_same_in_file(self, number: int, names: frozenset, phone: str) -> None:
        other = next((self.seen_name[k] for k in names if k in self.seen_name), None)
        if other is not None:
            self.warnings.append(
                Problem(number, "name", "same_name_in_file", {"other": other})
            )
        for key in names:
            self.seen_name.setdefault(key, number)
        if not phone:
            return
        if phone in self.seen_phone:
            self.warnings.append(
                Problem(
                    number,
                    "phone",
                    "same_phone_in_file",
                    {"other": self.seen_phone[phone]},
                )
            )
        self.seen_phone.setdefault(phone, number)

    def _warn_about_accounts(self) -> None:
        if not self.matched:
            return
        people = {person.id: person for person in users_by_ids(sorted(self.matched))}
        for user_id, hits in self.matched.items():
            person = people.get(user_id)
            if person is None:
                continue
            params = {"name": person.display_name, "username": person.username}
            for number, by_name, by_phone in hits:
                if by_phone in ("staff", "elsewhere"):  # the same name, far away
                    code = f"same_name_{by_phone}"
                else:
                    code = (
                        "same_name_and_phone"
                        if by_name and by_phone
                        else ("same_name" if by_name else "same_phone")
                    )
                self.warnings.append(Problem(number, None, code, params))


def _taken_usernames(usernames: list[str]) -> set[str]:
    if not usernames:
        return set()
    return set(
        db.session.scalars(select(User.username).where(User.username.in_(usernames)))
    )


_HEADER_CODES = ("missing_column", "duplicate_column")


def _lenient(columns: list[Column]) -> list[Column]:
    """Return the columns with every cell accepted (a wrong one read as None)."""

    def accept(parse):
        def parsed(text: str) -> object:
            try:
                return parse(text) if parse else text
            except ValueError:
                return None

        return parsed

    return [
        replace(column, required=False, max_length=10**6, parse=accept(column.parse))
        for column in columns
    ]


def _problem_order(problem: Problem) -> tuple[int, str, str]:
    return problem.row, problem.column or "", problem.code


def _row_numbers(filename: str, data: bytes, count: int) -> list[int]:
    """Return the spreadsheet row number of each row read (blank rows are skipped)."""
    return spreadsheets.row_numbers(filename, data, count, MAX_IMPORT_ROWS)


def import_roster(
    workshop: Workshop, by: User, rows: list[dict[str, object]]
) -> list[Created]:
    """Create and enrol everyone of a checked file in one transaction; issue codes."""
    check_open(workshop)
    wanted = [row["username"] or None for row in rows]
    automatic = free_usernames(
        [
            None if name else row["latin_name"]
            for name, row in zip(wanted, rows, strict=True)
        ]
    )
    province_id = province_of(workshop)
    people: list[User] = []
    try:
        for row, name, auto in zip(rows, wanted, automatic, strict=True):
            people.append(
                new_trainee(
                    workshop,
                    by,
                    username=name or auto,
                    display_name=str(row["name"]),
                    latin_name=row["latin_name"] or None,
                    phone=row["phone"] or None,
                    gender=row["gender"] or "unspecified",
                    tracks=list(row["track"]),
                    province_id=province_id,
                )
            )
            people[-1].age_band = row.get("age_band") or None
        created = enrol_new_trainees(workshop, by, people)
        audit.record(
            by,
            "roster.import",
            "workshop",
            workshop.id,
            {"rows": len(people), "first": created[0].number if created else None},
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise WorkshopError("busy") from None
    return created
