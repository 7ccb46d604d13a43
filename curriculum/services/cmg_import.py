"""Monthly CMG reports imported from a CSV or XLSX file: all of it, or nothing.

For programme staff bringing in past years (paper forms typed into a spreadsheet). Each
row is one member (by username) and one month, with the counts of the monthly form.
Every row is checked first; any problem refuses the whole file, naming its row. A row
whose counts are already saved changes nothing, so importing the same file twice counts
once. Each row saved is marked as entered by the importer and audited like a form.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from curriculum.extensions import db
from curriculum.khmer import parse_int
from curriculum.models import COUNT_FIELDS, User
from curriculum.permissions import can_enter_report_for
from curriculum.services import accounts, audit, cmg_reports, spreadsheets, vetting
from curriculum.services.spreadsheets import Column, Problem

MAX_ROWS = 2000  # a year of 150 members
MAX_COUNT = 10000


def _count(text: str) -> int:
    value = parse_int(text or "0", max_digits=5)
    if value is None or value > MAX_COUNT:
        raise ValueError("count")
    return value


def columns() -> list[Column]:
    """Return the columns of an import file: username, month and the nine counts."""
    return [
        Column("username", ("username",), required=True, max_length=64),
        Column("month", ("month",), required=True, max_length=16),
        *(Column(key, (key,), max_length=16) for key in COUNT_FIELDS),
    ]


@dataclass
class Checked:
    """An import file, checked: the rows to save, or the problems that stop it."""

    rows: list[tuple[int, User, date, dict[str, int]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_file(by: User, filename: str, data: bytes, today: date) -> Checked:
    """Read and check every row of a file; list every problem with its row."""
    table = spreadsheets.read_table(filename, data, columns(), max_rows=MAX_ROWS)
    if not table.ok:
        return Checked(problems=list(table.problems))
    numbers = spreadsheets.row_numbers(filename, data, len(table.rows), MAX_ROWS)
    checked = Checked()
    members: dict[str, User | None] = {}
    seen: dict[tuple[int, date], int] = {}
    for number, row in zip(numbers, table.rows, strict=True):
        username = accounts.normalize_username(str(row["username"]))
        if username not in members:
            members[username] = _member(by, username)
        member = members[username]
        month = cmg_reports.parse_month(str(row["month"]))
        counts, wrong = {}, []
        for key in COUNT_FIELDS:
            try:
                counts[key] = _count(str(row[key] or ""))
            except ValueError:
                wrong.append(key)
        for key in wrong:  # each wrong number, named by its column
            checked.problems.append(Problem(number, key, "bad_count", {}))
        if wrong:
            continue
        problem = _row_problem(member, month, counts, today, username)
        if problem is None and (member.id, month) in seen:
            problem = ("row_repeated", {"other": seen[member.id, month]})
        if problem is not None:
            code, params = problem
            checked.problems.append(Problem(number, None, code, params))
            continue
        seen[member.id, month] = number
        checked.rows.append((number, member, month, counts))
    if checked.problems:
        checked.rows = []
    return checked


def _member(by: User, username: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if (
        user is None
        or not can_enter_report_for(by, user)
        or not vetting.is_member(user)
    ):
        return None
    return user


def _row_problem(member, month, counts, today, username):
    if member is None:
        return "unknown_member", {"username": username}
    if month is None:
        return "bad_month", {}
    if not cmg_reports.staff_may_enter(month, today):
        return "future_month", {}
    outcomes = sum(counts[key] for key in cmg_reports.OUTCOMES)
    if outcomes > counts["men_counselled"]:
        return "outcomes_exceed", {}
    if counts["women_reached"] + counts["men_reached"] > cmg_reports.reached_total(
        counts
    ):
        return "sexes_exceed", {}
    return None


def import_file(by: User, checked: Checked, today: date) -> dict[str, int]:
    """Save the rows of a checked file in one transaction; return what changed."""
    if checked.problems or not checked.rows:
        raise ValueError("only a checked file without problems can be imported")
    done = {"saved": 0, "corrected": 0, "unchanged": 0}
    for _number, member, month, counts in checked.rows:
        existing = cmg_reports.report_for(member, month)
        if existing is not None and all(
            getattr(existing, key) == counts[key] for key in COUNT_FIELDS
        ):
            done["unchanged"] += 1
            continue
        cmg_reports.save_report(member, month, counts, today, by=by, commit=False)
        done["corrected" if existing is not None else "saved"] += 1
    audit.record(by, "cmg_report.import", "cmg_report", None, dict(done))
    db.session.commit()
    return done
