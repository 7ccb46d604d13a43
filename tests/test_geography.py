"""Gazetteer import: validation before writing, idempotence, the real data, the CLI."""

import copy
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event, func, select

from curriculum.extensions import db
from curriculum.models import AuditEvent, Commune, District, Province
from curriculum.services import geography
from curriculum.services.geography import GazetteerError, ImportResult, import_gazetteer
from tests.factories import require_all

FIXTURE = Path(__file__).resolve().parent / "data" / "gazetteer"
REAL_GAZETTEER = Path(__file__).resolve().parents[2] / "shared" / "data" / "gazetteer"


@pytest.fixture()
def real_gazetteer() -> Path:
    """Return the Pumi gazetteer in ../shared, or skip (fail in CI) without it."""
    if not (REAL_GAZETTEER / "communes.yml").is_file():
        reason = f"the Pumi gazetteer is not at {REAL_GAZETTEER} (../shared/data)"
        if require_all():
            pytest.fail(f"REQUIRE_ALL_TESTS=1 but {reason}")
        pytest.skip(reason)
    return REAL_GAZETTEER


def read_fixture() -> dict[str, dict]:
    """Return the fixture's three files as dicts by level."""
    return {
        level: yaml.safe_load((FIXTURE / f"{level}.yml").read_text(encoding="utf-8"))
        for level in ("provinces", "districts", "communes")
    }


def write_gazetteer(folder: Path, files: dict[str, dict]) -> Path:
    """Write gazetteer files in the Pumi shape into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for level, data in files.items():
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (folder / f"{level}.yml").write_text(text, encoding="utf-8")
    return folder


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> tuple[int, int, int]:
    return count(Province), count(District), count(Commune)


def commune(code: str) -> Commune:
    return db.session.scalar(select(Commune).where(Commune.code == code))


# -- the small fixture -----------------------------------------------------------
def test_import_adds_districts_and_communes_under_their_parents(app):
    result = import_gazetteer(FIXTURE)

    assert result == ImportResult(districts_added=2, communes_added=4)
    assert counts() == (25, 2, 4)
    bakan_commune = commune("150101")
    assert bakan_commune.name_km == "បឹងបត់កណ្ដាល"
    assert bakan_commune.name_latin == "Boeng Bat Kandaol"
    assert bakan_commune.district.code == "1501"
    assert bakan_commune.province.code == bakan_commune.district.province.code == "15"
    assert commune("140102").province.name_latin == "Prey Veng"


def test_reimport_adds_nothing_twice(app):
    import_gazetteer(FIXTURE)
    assert import_gazetteer(FIXTURE) == ImportResult()
    assert counts() == (25, 2, 4)


def test_import_records_an_audit_event(app):
    import_gazetteer(FIXTURE)
    event_ = db.session.scalar(select(AuditEvent))
    assert event_.action == "gazetteer.import" and event_.actor_id is None
    assert event_.detail["communes_added"] == 4


def test_import_completes_and_renames_places_added_one_by_one(app, places):
    geography.upsert_district("1401", "ឈ្មោះចាស់", "Old Name")
    db.session.commit()

    result = import_gazetteer(FIXTURE)

    assert result == ImportResult(districts_updated=1, communes_added=1)
    assert counts() == (25, 2, 4)
    district = db.session.scalar(select(District).where(District.code == "1401"))
    assert (district.name_km, district.name_latin) == ("បាភ្នំ", "Ba Phnum")
    assert commune("140101").id == places["prey_veng"].id


def test_import_renames_provinces_from_provinces_yml(app, tmp_path):
    files = read_fixture()
    files["provinces"]["provinces"]["15"]["name"]["latin"] = "Pouthisat"
    import_gazetteer(write_gazetteer(tmp_path, files))

    assert import_gazetteer(write_gazetteer(tmp_path, files)).provinces_updated == 0
    pursat = db.session.scalar(select(Province).where(Province.code == "15"))
    assert pursat.name_latin == "Pouthisat"


def test_import_works_without_provinces_yml(app, tmp_path):
    files = read_fixture()
    del files["provinces"]
    assert import_gazetteer(write_gazetteer(tmp_path, files)).communes_added == 4


def test_import_stores_names_normalised(app, tmp_path):
    files = read_fixture()
    # ី typed before the subscript ្រ, a zero-width space and a doubled space
    typed = "ប\u17b8\u17d2\u179a\u200bស  ថ្មី"
    files["communes"]["communes"]["140101"]["name"]["km"] = typed
    files["communes"]["communes"]["140101"]["name"]["latin"] = " Boeng  Preah "
    import_gazetteer(write_gazetteer(tmp_path, files))

    stored = commune("140101")
    assert stored.name_km == "ប\u17d2\u179a\u17b8ស ថ្មី"
    assert stored.name_latin == "Boeng Preah"


def test_import_restores_a_missing_shipped_province(app):
    db.session.execute(Province.__table__.delete().where(Province.code == "15"))
    db.session.commit()
    import_gazetteer(FIXTURE)
    assert counts() == (25, 2, 4)


# -- problems --------------------------------------------------------------------
def _bad_code(files):
    communes = files["communes"]["communes"]
    communes["15010"] = communes.pop("150102")
    return "communes.yml: '15010'"


def _unquoted_code(files):
    districts = files["districts"]["districts"]
    districts[1501] = districts.pop("1501")
    del files["communes"]["communes"]["150101"], files["communes"]["communes"]["150102"]
    return "districts.yml: 1501"


def _unknown_district(files):
    communes = files["communes"]["communes"]
    communes["159901"] = copy.deepcopy(communes["150101"])
    return "communes.yml: 159901: district 1599"


def _unknown_province(files):
    districts = files["districts"]["districts"]
    districts["9901"] = copy.deepcopy(districts["1501"])
    return "districts.yml: 9901: province 99"


def _province_not_shipped(files):
    provinces = files["provinces"]["provinces"]
    provinces["26"] = copy.deepcopy(provinces["15"])
    return "provinces.yml: 26"


def _empty_khmer_name(files):
    files["communes"]["communes"]["140102"]["name"]["km"] = "\u200b "
    return "communes.yml: 140102: name.km is empty"


def _missing_latin_name(files):
    del files["districts"]["districts"]["1401"]["name"]["latin"]
    return "districts.yml: 1401: name.latin is empty"


def _no_name(files):
    del files["communes"]["communes"]["150101"]["name"]
    return "communes.yml: 150101: no name"


def _name_too_long(files):
    files["communes"]["communes"]["150101"]["name"]["latin"] = "x" * 121
    return "communes.yml: 150101: name.latin is longer than 120"


def _no_mapping(files):
    files["communes"] = {"commune": files["communes"]["communes"]}
    return "communes.yml: no mapping of codes under 'communes:'"


@pytest.mark.parametrize(
    "spoil",
    [
        _bad_code,
        _unquoted_code,
        _unknown_district,
        _unknown_province,
        _province_not_shipped,
        _empty_khmer_name,
        _missing_latin_name,
        _no_name,
        _name_too_long,
        _no_mapping,
    ],
)
def test_one_bad_entry_imports_nothing_and_is_named(app, tmp_path, spoil):
    files = read_fixture()
    expected = spoil(files)

    with pytest.raises(GazetteerError) as caught:
        import_gazetteer(write_gazetteer(tmp_path, files))

    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(expected), caught.value.problems
    assert counts() == (25, 0, 0)
    assert count(AuditEvent) == 0


def test_every_problem_is_listed_at_once(app, tmp_path):
    files = read_fixture()
    expected = [spoil(files) for spoil in (_bad_code, _empty_khmer_name, _no_name)]

    with pytest.raises(GazetteerError) as caught:
        import_gazetteer(write_gazetteer(tmp_path, files))

    problems = caught.value.problems
    assert len(problems) == 3
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), problems


def test_missing_file_is_a_problem(app, tmp_path):
    files = read_fixture()
    del files["communes"]
    with pytest.raises(GazetteerError) as caught:
        import_gazetteer(write_gazetteer(tmp_path, files))
    assert caught.value.problems == [f"communes.yml: missing from {tmp_path}"]
    assert counts() == (25, 0, 0)


def test_broken_yaml_is_one_problem_not_a_crash(app, tmp_path):
    write_gazetteer(tmp_path, read_fixture())
    (tmp_path / "districts.yml").write_text("districts:\n  '1501': [\n", "utf-8")
    with pytest.raises(GazetteerError) as caught:
        import_gazetteer(tmp_path)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith("districts.yml: not readable YAML")


def test_yaml_tags_are_not_executed(app, tmp_path):
    write_gazetteer(tmp_path, read_fixture())
    text = "districts: !!python/object/apply:os.system ['echo owned']\n"
    (tmp_path / "districts.yml").write_text(text, "utf-8")
    with pytest.raises(GazetteerError) as caught:
        import_gazetteer(tmp_path)
    assert caught.value.problems[0].startswith("districts.yml: not readable YAML")


# -- the CLI ---------------------------------------------------------------------
def test_geo_import_command_prints_the_counts(app):
    result = app.test_cli_runner().invoke(args=["geo", "import", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "districts added: 2" in result.output
    assert "communes added: 4" in result.output
    assert counts() == (25, 2, 4)


def test_geo_import_command_fails_with_the_problems(app, tmp_path):
    files = read_fixture()
    expected = _unknown_district(files)
    write_gazetteer(tmp_path, files)

    result = app.test_cli_runner().invoke(args=["geo", "import", str(tmp_path)])

    assert result.exit_code == 1
    assert expected in result.output
    assert "nothing was imported" in result.output
    assert counts() == (25, 0, 0)


def test_geo_import_command_rejects_a_missing_folder(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["geo", "import", str(tmp_path / "nowhere")]
    )
    assert result.exit_code != 0
    assert counts() == (25, 0, 0)


# -- the real gazetteer ----------------------------------------------------------
# The three programme provinces: Kampong Chhnang, Prey Veng, Pursat (FACTS.md 6.2).
PROGRAMME_PROVINCES = {"04": (8, 71), "14": (13, 116), "15": (7, 49)}


def test_real_gazetteer_gives_every_place_once(app, real_gazetteer):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        started = time.perf_counter()
        result = import_gazetteer(real_gazetteer)
        seconds = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert result.districts_added == 210 and result.communes_added == 1652
    assert counts() == (25, 210, 1652)
    # One query per row would be thousands; the bulk path loads each table once.
    assert len(statements) < 50, len(statements)
    print(f"real gazetteer imported in {seconds:.2f} s, {len(statements)} statements")

    for code, expected in PROGRAMME_PROVINCES.items():
        in_province = Province.code == code
        found = (count_in(District, in_province), count_in(Commune, in_province))
        assert found == expected, code
    mismatched = select(func.count()).select_from(Commune).join(Commune.district)
    mismatched = mismatched.where(Commune.province_id != District.province_id)
    assert db.session.scalar(mismatched) == 0


def count_in(model, condition) -> int:
    query = select(func.count()).select_from(model).join(model.province)
    return db.session.scalar(query.where(condition))


def test_real_gazetteer_reimport_adds_nothing(app, real_gazetteer):
    import_gazetteer(real_gazetteer)
    assert import_gazetteer(real_gazetteer) == ImportResult()
    assert counts() == (25, 210, 1652)


def test_real_gazetteer_with_one_bad_row_imports_nothing(app, real_gazetteer, tmp_path):
    files = {
        level: yaml.safe_load((real_gazetteer / f"{level}.yml").read_text("utf-8"))
        for level in ("provinces", "districts", "communes")
    }
    files["communes"]["communes"]["150103"]["name"]["latin"] = ""
    write_gazetteer(tmp_path, files)

    result = app.test_cli_runner().invoke(args=["geo", "import", str(tmp_path)])

    assert result.exit_code == 1
    assert "communes.yml: 150103: name.latin is empty" in result.output
    assert "1 problem(s)" in result.output
    assert counts() == (25, 0, 0)


def test_real_gazetteer_imports_through_the_command(app, real_gazetteer):
    result = app.test_cli_runner().invoke(args=["geo", "import", str(real_gazetteer)])
    assert result.exit_code == 0, result.output
    assert "communes added: 1652" in result.output
