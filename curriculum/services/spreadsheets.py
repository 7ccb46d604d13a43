"""Read rosters from CSV or XLSX files and write exports that are safe to open."""

import csv
import datetime
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

MAX_FILE_BYTES = 2 * 1024 * 1024
# A 2 MB XLSX is a zip; refuse one that would inflate past this (a zip bomb).
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# Columns beyond this are never looked at, so a cell at XFD1 cannot make every
# row 16,384 cells wide.
MAX_COLUMNS = 256
# Excel's own limit; a sheet claiming a row beyond it is forged, and openpyxl
# would otherwise yield every missing row before it one by one.
MAX_SHEET_ROW = 1_048_576
EXTENSIONS = (".csv", ".xlsx")
DELIMITERS = (",", ";", "\t")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

PROBLEM_CODES = (
    "bad_extension",
    "empty_file",
    "too_large",
    "not_utf8",
    "unreadable",
    "too_many_rows",
    "missing_column",
    "duplicate_column",
    "required",
    "too_long",
    "invalid",
)

# Zero-width space and BOM: invisible, typed or pasted with Khmer text.
_INVISIBLE = "\u200b\ufeff"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Column:
    """One expected column of an imported table."""

    key: str
    headers: tuple[str, ...]
    required: bool = False
    max_length: int = 200
    # Called with the trimmed text; raises ValueError(message_key) when invalid.
    parse: Callable[[str], object] | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a file was refused, as a message key for the view to translate."""

    row: int  # spreadsheet row as the user sees it (header = 1); 0 for the file
    column: str | None
    code: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """The rows of an imported file, or the problems that stopped it."""

    rows: list[dict[str, object]]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """Return True when the file was accepted."""
        return not self.problems


class _Refused(Exception):
    """Stop reading a file for a file-level problem."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.problem = Problem(0, None, code, params)


def read_table(
    filename: str, data: bytes, columns: list[Column], max_rows: int = 1000
) -> Table:
    """Read and validate a CSV or XLSX file; return all its rows or none."""
    try:
        extension = _extension(filename)
        if not data:
            raise _Refused("empty_file")
        if len(data) > MAX_FILE_BYTES:
            raise _Refused("too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
        # Header, max_rows data rows and one more to tell that there are too many.
        limit = max_rows + 2
        if extension == ".csv":
            rows = csv_rows(data, limit)
        else:
            rows = xlsx_rows(data, limit)
        if len(rows) < 2:
            raise _Refused("empty_file")
        if len(rows) == limit:
            raise _Refused("too_many_rows", max=max_rows)
        problems, values = _validate(rows, columns)
    except _Refused as refused:
        return Table([], [refused.problem])
    return Table([] if problems else values, problems)


def row_numbers(filename: str, data: bytes, count: int, max_rows: int) -> list[int]:
    """Return the spreadsheet row number of each of the `count` rows read_table kept.

    read_table drops blank rows and does not say which ones it kept; its readers do.
    Call it on a file read_table accepted, so that reading it again cannot fail.
    """
    limit = max_rows + 2
    if filename.lower().endswith(".csv"):
        kept = csv_rows(data, limit)
    else:
        kept = xlsx_rows(data, limit)
    numbers = [number for number, _ in kept[1:]]
    return numbers if len(numbers) == count else list(range(2, count + 2))


def write_csv(header: list[str], rows: Iterable[Sequence]) -> bytes:
    """Write a CSV file that Excel opens as UTF-8 and never runs as formulas."""
    out = io.StringIO(newline="")
    # Quoting every text keeps "a;=1+1" in one cell when Excel splits on ";".
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([_csv_value(value) for value in header])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(header: list[str], rows: Iterable[Sequence], sheet_title: str) -> bytes:
    """Write an XLSX workbook with a bold frozen header and no live formulas."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rpartition("/")[2].lower()
    extension = "." + name.rpartition(".")[2] if "." in name else ""
    if extension not in EXTENSIONS:
        raise _Refused("bad_extension", allowed=", ".join(EXTENSIONS))
    return extension


def csv_rows(data: bytes, limit: int) -> list[tuple[int, list[str]]]:
    """Return the non-blank rows of a CSV file with their row numbers, up to limit."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _Refused("not_utf8", line=data[: error.start].count(b"\n") + 1) from None
    # The file is at most 2 MB, so no field can be larger; the default limit
    # (128 KB) would turn a long cell into a parse error instead of too_long.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        return _non_empty(reader, limit)
    except csv.Error:
        raise _Refused("unreadable") from None


def _sniff_delimiter(text: str) -> str:
    # csv.Sniffer guesses letters and spaces as delimiters; the header row,
    # parsed with each candidate, says more reliably which one splits it.
    best, widest = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            first = next((row for row in reader if any(c.strip() for c in row)), [])
        except csv.Error:
            continue
        if len(first) > widest:
            best, widest = delimiter, len(first)
    return best


def xlsx_rows(data: bytes, limit: int) -> list[tuple[int, list[str]]]:
    """Return the non-blank rows of an XLSX file's first sheet with their numbers."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _Refused("unreadable") from None
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise _Refused("too_large", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (data validation lists, a missing
        # default style); none of them matter for reading values.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True
            )
        except Exception:  # any parse failure of a hostile or broken file
            raise _Refused("unreadable") from None
        try:
            if not workbook.worksheets:
                raise _Refused("empty_file")
            sheet = workbook.worksheets[0]
            # Trust the cells, not the declared dimension, which may be forged.
            sheet.reset_dimensions()
            cells = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
            texts = (_row_text(row) for row in cells)
            return _non_empty(itertools.islice(texts, MAX_SHEET_ROW), limit)
        except _Refused:
            raise
        except Exception:  # a broken sheet part fails only while rows are read
            raise _Refused("unreadable") from None
        finally:
            workbook.close()


def _non_empty(rows: Iterable[list[str]], limit: int) -> list[tuple[int, list[str]]]:
    found = []
    for number, cells in enumerate(rows, start=1):
        if any(_clean(cell) for cell in cells):
            found.append((number, cells))
            if len(found) == limit:
                break
    return found


def _row_text(values: tuple[object, ...]) -> list[str]:
    # Most rows of a forged sheet are padding; skip them at C speed.
    if values.count(None) == len(values):
        return []
    return [_cell_text(value) for value in values]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel stores every number as a float: phone 12345678 reads 12345678.0.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _clean(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def _header_key(text: str) -> str:
    return _clean(text).casefold()


def _validate(
    rows: list[tuple[int, list[str]]], columns: list[Column]
) -> tuple[list[Problem], list[dict[str, object]]]:
    header_row, header = rows[0]
    positions, problems = _match_header(header_row, header, columns)
    if problems:
        return problems, []
    values: list[dict[str, object]] = []
    for number, cells in rows[1:]:
        row: dict[str, object] = {}
        for column in columns:
            position = positions.get(column.key)
            in_row = position is not None and position < len(cells)
            text = cells[position] if in_row else ""
            value, problem = _cell_value(number, column, text)
            if problem is not None:
                problems.append(problem)
            row[column.key] = value
        values.append(row)
    return problems, values


def _match_header(
    number: int, header: list[str], columns: list[Column]
) -> tuple[dict[str, int], list[Problem]]:
    by_text = {_header_key(text): c for c in columns for text in c.headers}
    positions: dict[str, int] = {}
    seen: set[str] = set()
    problems: list[Problem] = []
    for position, text in enumerate(header):
        key = _header_key(text)
        if not key:
            continue
        column = by_text.get(key)
        if key in seen or (column is not None and column.key in positions):
            problem = Problem(
                number,
                column.key if column else None,
                "duplicate_column",
                {"header": _clean(text)},
            )
            if problem not in problems:
                problems.append(problem)
        seen.add(key)
        if column is not None:
            positions.setdefault(column.key, position)
    for column in columns:
        if column.required and column.key not in positions:
            params = {"header": column.headers[0]}
            problems.append(Problem(number, column.key, "missing_column", params))
    return positions, problems


def _cell_value(
    number: int, column: Column, text: str
) -> tuple[object, Problem | None]:
    text = _clean(text)
    if not text:
        if column.required:
            return None, Problem(number, column.key, "required")
        return None, None
    if len(text) > column.max_length:
        params = {"max": column.max_length}
        return None, Problem(number, column.key, "too_long", params)
    if _CONTROL.search(text):
        params = {"reason": "control_character"}
        return None, Problem(number, column.key, "invalid", params)
    if column.parse is None:
        return text, None
    try:
        return column.parse(text), None
    except ValueError as error:
        reason = str(error.args[0]) if error.args else "invalid"
        return None, Problem(number, column.key, "invalid", {"reason": reason})


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return neutralise(str(value))


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: write the UTC wall-clock time.
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value
    # Control characters are illegal in XLSX XML; openpyxl would refuse the file.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _sheet_title(title: str) -> str:
    title = re.sub(r"[\\*?:/\[\]]", " ", title).strip().strip("'")
    return title[:31] or "Sheet"
