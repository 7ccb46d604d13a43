"""Roster files are read all-or-nothing and exports never carry live formulas."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest

from curriculum.services.spreadsheets import (
    MAX_FILE_BYTES,
    PROBLEM_CODES,
    Column,
    Problem,
    read_table,
    write_csv,
    write_xlsx,
)

KHMER_NAME = "សុខ សុភា"
KHMER_VILLAGE = "ភូមិត្រពាំងវែង"
ATTACKS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1)"]


def parse_phone(text):
    digits = text.replace(" ", "")
    if not digits.isdigit():
        raise ValueError("phone")
    return digits


COLUMNS = [
    Column("name_km", ("name_km", "name", "ឈ្មោះ"), required=True, max_length=50),
    Column("phone", ("phone", "ទូរស័ព្ទ"), max_length=20, parse=parse_phone),
    Column("village", ("village", "ភូមិ"), max_length=100),
]


def csv_file(text, bom=False):
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def xlsx_file(rows, extra_sheet=False):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("other").append(["nothing", "here"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_with_text_cells(rows):
    """Build a workbook whose cells are text even when they start with "="."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def codes(table):
    return [(p.row, p.column, p.code) for p in table.problems]


def read_back_xlsx(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook.worksheets[0]


def read_back_csv(data):
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


# Reading


@pytest.mark.parametrize("bom", [False, True])
def test_good_csv_is_read_with_or_without_bom(bom):
    text = f"name_km,phone,village\r\n{KHMER_NAME},012 345 678,Kandal\r\n"
    data = csv_file(text, bom)
    table = read_table("roster.csv", data, COLUMNS)
    assert table.ok
    assert table.problems == []
    assert table.rows == [
        {"name_km": KHMER_NAME, "phone": "012345678", "village": "Kandal"}
    ]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_semicolon_tab_and_comma_separated_files_are_recognised(delimiter):
    text = delimiter.join(["ឈ្មោះ", "phone"]) + "\n"
    text += delimiter.join([KHMER_NAME, "012345678"]) + "\n"
    text += delimiter.join(['"Dara, Sok"', ""]) + "\n"
    table = read_table("roster.csv", csv_file(text), COLUMNS)
    assert table.problems == []
    assert [row["name_km"] for row in table.rows] == [KHMER_NAME, "Dara, Sok"]
    assert table.rows[1]["phone"] is None


def test_good_xlsx_reads_the_first_sheet_with_numbers_and_dates_as_text():
    data = xlsx_file(
        [
            ["Name", "Phone", "Village", "Born"],
            [KHMER_NAME, 12345678.0, KHMER_VILLAGE, datetime.date(1990, 4, 14)],
            ["Dara", 87654321, None, datetime.datetime(2024, 3, 1, 9, 30)],
        ],
        extra_sheet=True,
    )
    born = Column("born", ("born",))
    table = read_table("Roster.XLSX", data, [*COLUMNS, born])
    assert table.problems == []
    assert table.rows == [
        {
            "name_km": KHMER_NAME,
            "phone": "12345678",
            "village": KHMER_VILLAGE,
            "born": "1990-04-14",
        },
        {
            "name_km": "Dara",
            "phone": "87654321",
            "village": None,
            "born": "2024-03-01T09:30:00",
        },
    ]


def test_headers_match_ignoring_case_spaces_and_extra_columns():
    data = csv_file("  NAME_KM ,Notes,\u200bទូរស័ព្ទ\n Sokha ,anything,\n")
    table = read_table("roster.csv", data, COLUMNS)
    assert table.problems == []
    assert table.rows == [{"name_km": "Sokha", "phone": None, "village": None}]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_khmer_text_round_trips_through_an_export_and_an_import(kind):
    header = ["ឈ្មោះ", "ទូរស័ព្ទ", "ភូមិ"]
    rows = [[KHMER_NAME, "012345678", KHMER_VILLAGE], ["ចាន់ ធីតា", "", "ភូមិថ្មី"]]
    if kind == "csv":
        data = write_csv(header, rows)
    else:
        data = write_xlsx(header, rows, "បញ្ជីឈ្មោះ")
    table = read_table(f"export.{kind}", data, COLUMNS)
    assert table.problems == []
    assert table.rows == [
        {"name_km": KHMER_NAME, "phone": "012345678", "village": KHMER_VILLAGE},
        {"name_km": "ចាន់ ធីតា", "phone": None, "village": "ភូមិថ្មី"},
    ]


def test_empty_rows_are_skipped_and_row_numbers_still_match_the_sheet():
    data = csv_file("name,phone\nSokha,1\n,\n\nDara,x\n")
    table = read_table("roster.csv", data, COLUMNS)
    assert codes(table) == [(5, "phone", "invalid")]
    assert table.problems[0].params == {"reason": "phone"}


def test_xlsx_row_numbers_count_rows_before_the_header_and_blank_rows():
    data = xlsx_file([[None], ["name", "phone"], ["Sokha", 1], [None], ["", 2]])
    table = read_table("roster.xlsx", data, COLUMNS)
    assert codes(table) == [(5, "name_km", "required")]


def test_one_bad_row_among_good_ones_returns_no_rows():
    lines = ["name,phone"] + [f"Person {i},0{i}2345678" for i in range(1, 10)]
    lines[5] = "Person 5,not a phone"
    table = read_table("roster.csv", csv_file("\n".join(lines)), COLUMNS)
    assert table.rows == []
    assert not table.ok
    assert codes(table) == [(6, "phone", "invalid")]


def test_every_problem_in_a_file_is_reported_at_once():
    data = csv_file("name,phone\n,abc\n" + "x" * 51 + ",1\n")
    table = read_table("roster.csv", data, COLUMNS)
    assert codes(table) == [
        (2, "name_km", "required"),
        (2, "phone", "invalid"),
        (3, "name_km", "too_long"),
    ]
    assert table.problems[2].params == {"max": 50}


# Each problem code, with the row the user sees

TOO_MANY = csv_file("name\nA\nB\nC\n")
PROBLEM_EXAMPLES = {
    "bad_extension": ("roster.xls", b"name\nA\n", [(0, None)]),
    "empty_file": ("roster.csv", b"", [(0, None)]),
    "too_large": ("roster.csv", b"a" * (MAX_FILE_BYTES + 1), [(0, None)]),
    "not_utf8": ("roster.csv", "name\nJosé\n".encode("cp1252"), [(0, None)]),
    "unreadable": ("roster.xlsx", b"name\nnot really a workbook\n", [(0, None)]),
    "too_many_rows": ("roster.csv", TOO_MANY, [(0, None)]),
    "missing_column": ("roster.csv", b"phone\n012345678\n", [(1, "name_km")]),
    "duplicate_column": (
        "roster.csv",
        "name,ឈ្មោះ,notes,NOTES\nA,B,,\n".encode(),
        [(1, "name_km"), (1, None)],
    ),
    "required": ("roster.csv", b"name,phone\nA,1\n,2\n", [(3, "name_km")]),
    "too_long": ("roster.csv", b"name\n" + b"x" * 51 + b"\n", [(2, "name_km")]),
    "invalid": ("roster.csv", b"name,phone\nA,1\nB,12a\n", [(3, "phone")]),
}


def test_every_problem_code_has_an_example():
    assert set(PROBLEM_EXAMPLES) == set(PROBLEM_CODES)
    assert len(PROBLEM_CODES) == len(set(PROBLEM_CODES))


@pytest.mark.parametrize("code", PROBLEM_CODES)
def test_each_problem_is_reported_with_its_code_and_row(code):
    filename, data, where = PROBLEM_EXAMPLES[code]
    table = read_table(filename, data, COLUMNS, max_rows=2)
    assert table.rows == []
    assert [(p.row, p.column, p.code) for p in table.problems] == [
        (row, column, code) for row, column in where
    ]


def test_file_problems_carry_the_parameters_their_messages_need():
    def params(filename, data, **kwargs):
        return read_table(filename, data, COLUMNS, **kwargs).problems[0].params

    assert params("roster.xls", b"x") == {"allowed": ".csv, .xlsx"}
    assert params("roster.csv", b"a" * (MAX_FILE_BYTES + 1)) == {"max_mb": 2}
    assert params("roster.csv", TOO_MANY, max_rows=2) == {"max": 2}
    assert params("roster.csv", "name\nJosé\n".encode("cp1252")) == {"line": 2}
    assert params("roster.csv", b"phone\n1\n") == {"header": "name_km"}


def test_a_utf16_export_is_refused_as_not_utf8_rather_than_guessed():
    data = "name\tphone\nសុខ\t1\n".encode("utf-16")
    assert codes(read_table("roster.csv", data, COLUMNS)) == [(0, None, "not_utf8")]


@pytest.mark.parametrize(
    "data",
    [b"name,phone\n", b"\n\n , \n", "\ufeff".encode()],
    ids=["header-only", "blank-lines", "bom-only"],
)
def test_a_file_without_data_rows_is_empty(data):
    assert codes(read_table("roster.csv", data, COLUMNS)) == [(0, None, "empty_file")]


def test_exactly_max_rows_is_accepted():
    table = read_table("roster.csv", csv_file("name\nA\n\nB\n"), COLUMNS, max_rows=2)
    assert table.problems == []
    assert len(table.rows) == 2


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"0" * (60 * 1024 * 1024))
    assert len(out.getvalue()) < MAX_FILE_BYTES
    table = read_table("roster.xlsx", out.getvalue(), COLUMNS)
    assert codes(table) == [(0, None, "too_large")]


# Hostile input


@pytest.mark.parametrize("text", [*ATTACKS, "=1+2", "=cmd|' /C calc'!A0"])
def test_formula_text_in_a_csv_is_read_as_plain_text(text):
    quoted = '"' + text.replace('"', '""') + '"'
    data = csv_file(f"name,village\r\nSokha,{quoted}\r\n")
    table = read_table("roster.csv", data, COLUMNS)
    assert table.problems == []
    assert table.rows[0]["village"] == text


@pytest.mark.parametrize("text", [*ATTACKS, "=1+2"])
def test_formula_text_in_an_xlsx_is_read_as_plain_text(text):
    data = xlsx_with_text_cells([["name", "village"], ["Sokha", text]])
    table = read_table("roster.xlsx", data, COLUMNS)
    assert table.problems == []
    assert table.rows[0]["village"] == text


def test_an_xlsx_formula_is_never_evaluated():
    # openpyxl stores no cached result, so the cell reads as empty, not as 3.
    data = xlsx_file([["name", "village"], ["Sokha", "=1+2"]])
    table = read_table("roster.xlsx", data, COLUMNS)
    assert table.problems == []
    assert table.rows[0]["village"] is None


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_one_megabyte_cell_is_reported_too_long_and_not_stored(kind):
    huge = "ក" * (1024 * 1024 // 3) if kind == "csv" else "x" * 1024 * 1024
    if kind == "csv":
        data = csv_file(f"name,village\nSokha,{huge}\n")
    else:
        data = xlsx_file([["name", "village"], ["Sokha", huge]])
    assert len(data) <= MAX_FILE_BYTES
    table = read_table(f"roster.{kind}", data, COLUMNS)
    assert table.rows == []
    assert table.problems == [Problem(2, "village", "too_long", {"max": 100})]


@pytest.mark.parametrize("cell", [b"So\x00kha", b"So\x1bkha"], ids=["nul", "escape"])
def test_nul_and_control_characters_are_reported_invalid(cell):
    table = read_table("roster.csv", b"name,village\n" + cell + b",Kandal\n", COLUMNS)
    assert codes(table) == [(2, "name_km", "invalid")]
    assert table.problems[0].params == {"reason": "control_character"}


def test_a_cell_far_to_the_right_is_ignored():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name"])
    sheet.append(["Sokha"])
    sheet["XFD2"] = "far away"
    out = io.BytesIO()
    workbook.save(out)
    table = read_table("roster.xlsx", out.getvalue(), COLUMNS)
    assert table.rows == [{"name_km": "Sokha", "phone": None, "village": None}]


def test_a_row_forged_far_below_excel_limits_is_ignored():
    data = xlsx_file([["name"], ["Sokha"], ["Dara"]])
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with source, zipfile.ZipFile(out, "w") as forged:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b'r="3"', b'r="2000000000"')
                part = part.replace(b'r="A3"', b'r="A2000000000"')
            forged.writestr(info, part)
    table = read_table("roster.xlsx", out.getvalue(), COLUMNS)
    assert table.rows == [{"name_km": "Sokha", "phone": None, "village": None}]


# Writing


def test_csv_export_is_utf8_with_bom_and_crlf_line_ends():
    data = write_csv(["ឈ្មោះ", "score"], [[KHMER_NAME, 7], ["Dara", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert read_back_csv(data) == [["ឈ្មោះ", "score"], [KHMER_NAME, "7"], ["Dara", ""]]


@pytest.mark.parametrize("attack", [*ATTACKS, "\t=1+2", "\r=1+2"])
def test_csv_export_neutralises_formulas(attack):
    data = write_csv([attack], [[attack, "safe"]])
    assert read_back_csv(data) == [["'" + attack], ["'" + attack, "safe"]]


def test_csv_export_keeps_numbers_as_numbers():
    data = write_csv(["n"], [[-2], [3.5], [True]])
    assert data.decode("utf-8-sig").split("\r\n") == ['"n"', "-2", "3.5", '"TRUE"', ""]


def test_csv_export_quotes_text_so_another_separator_cannot_start_a_formula():
    data = write_csv(["note"], [["a;=1+2"]])
    assert '"a;=1+2"' in data.decode("utf-8-sig")


@pytest.mark.parametrize("attack", [*ATTACKS, "\t=1+2", "\r=1+2"])
def test_xlsx_export_neutralises_formulas(attack):
    sheet = read_back_xlsx(write_xlsx([attack], [[attack, "safe"]], "Export"))
    # XML turns a stored CR into LF; what matters is the apostrophe before it.
    expected = "'" + attack.replace("\r", "\n")
    assert sheet["A1"].value == expected
    assert sheet["A2"].value == expected
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "safe"


def test_xlsx_export_keeps_numbers_numeric_and_none_empty():
    when = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)
    rows = [[-2, 3.5, None, 12345678, when, "a\x01b"]]
    sheet = read_back_xlsx(write_xlsx(list("abcdef"), rows, "Export"))
    assert [cell.value for cell in sheet[2]] == [
        -2,
        3.5,
        None,
        12345678,
        datetime.datetime(2024, 3, 1, 9, 30),
        "ab",
    ]
    assert [cell.data_type for cell in sheet[2][:2]] == ["n", "n"]


def test_xlsx_export_has_a_bold_frozen_header():
    sheet = read_back_xlsx(write_xlsx(["ឈ្មោះ", "score"], [[KHMER_NAME, 1]], "ពិន្ទុ"))
    assert sheet.title == "ពិន្ទុ"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet["B1"].font.b
    assert not sheet["A2"].font.b


def test_xlsx_export_makes_any_sheet_title_valid():
    title = "Report: Pursat/Battambang [2024] with a long name"
    sheet = read_back_xlsx(write_xlsx(["a"], [], title))
    assert len(sheet.title) <= 31
    assert not set(sheet.title) & set("\\*?:/[]")
