"""Provinces, districts and communes: the shipped provinces and adding places."""

import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml
from sqlalchemy import insert, select

from curriculum.extensions import db
from curriculum.khmer import normalize_khmer
from curriculum.models import Commune, District, Province
from curriculum.services import audit

PROVINCES_FILE = Path(__file__).resolve().parent.parent / "data" / "provinces.toml"
NAME_LENGTH = 120  # the width of the name columns


def ensure_provinces() -> int:
    """Insert or update the 25 shipped provinces; return how many were added."""
    rows = tomllib.loads(PROVINCES_FILE.read_text(encoding="utf-8"))["provinces"]
    existing = {p.code: p for p in db.session.scalars(select(Province))}
    added = 0
    for row in rows:
        province = existing.get(row["code"])
        if province is None:
            db.session.add(
                Province(
                    code=row["code"],
                    name_km=row["name_km"],
                    name_latin=row["name_latin"],
                )
            )
            added += 1
        else:
            province.name_km = row["name_km"]
            province.name_latin = row["name_latin"]
    db.session.commit()
    return added


def province_by_code(code: str) -> Province | None:
    """Return the province with this official code."""
    return db.session.scalar(select(Province).where(Province.code == code))


def upsert_district(code: str, name_km: str, name_latin: str) -> District:
    """Insert or update a district; its province is the code's first two digits."""
    province = province_by_code(code[:2])
    if province is None:
        raise ValueError(f"no province {code[:2]} for district {code}")
    district = db.session.scalar(select(District).where(District.code == code))
    if district is None:
        district = District(code=code, province_id=province.id)
        db.session.add(district)
    district.name_km, district.name_latin = name_km, name_latin
    db.session.flush()
    return district


def upsert_commune(code: str, name_km: str, name_latin: str) -> Commune:
    """Insert or update a commune; its district is the code's first four digits."""
    district = db.session.scalar(select(District).where(District.code == code[:4]))
    if district is None:
        raise ValueError(f"no district {code[:4]} for commune {code}")
    commune = db.session.scalar(select(Commune).where(Commune.code == code))
    if commune is None:
        commune = Commune(
            code=code, district_id=district.id, province_id=district.province_id
        )
        db.session.add(commune)
    commune.name_km, commune.name_latin = name_km, name_latin
    db.session.flush()
    return commune


# -- gazetteer import ---------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    """What a gazetteer import changed."""

    provinces_updated: int = 0
    districts_added: int = 0
    districts_updated: int = 0
    communes_added: int = 0
    communes_updated: int = 0


class GazetteerError(Exception):
    """The gazetteer files have problems, so nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the gazetteer")
        self.problems = problems


@dataclass(frozen=True)
class _Level:
    key: str  # the file's stem and its top-level key
    digits: int
    required: bool


_PROVINCES = _Level("provinces", 2, required=False)
_DISTRICTS = _Level("districts", 4, required=True)
_COMMUNES = _Level("communes", 6, required=True)

Names = tuple[str, str]


def import_gazetteer(folder: Path) -> ImportResult:
    """Import districts.yml, communes.yml and provinces.yml (optional) from folder.

    Every entry is checked first: any problem raises GazetteerError listing them
    all, and nothing is written. Otherwise places are added or renamed (names
    normalised) and committed once.
    """
    problems: list[str] = []
    provinces = _read_level(folder, _PROVINCES, problems) or {}
    districts = _read_level(folder, _DISTRICTS, problems)
    communes = _read_level(folder, _COMMUNES, problems) or {}
    # An unreadable districts.yml is one problem, not one for every commune.
    districts_read = districts is not None
    districts = districts or {}

    shipped = {row["code"] for row in _shipped_provinces()}
    in_database = set(db.session.scalars(select(Province.code)))
    known_provinces = shipped | in_database
    known_districts = set(districts) | set(db.session.scalars(select(District.code)))
    for code in provinces:
        if code not in shipped:
            problems.append(
                f"provinces.yml: {code}: not one of the 25 shipped provinces"
            )
    for code in districts:
        if code[:2] not in known_provinces:
            problems.append(
                f"districts.yml: {code}: province {code[:2]} is not one of the "
                "25 provinces"
            )
    for code in communes:
        if districts_read and code[:4] not in known_districts:
            problems.append(
                f"communes.yml: {code}: district {code[:4]} is neither in "
                "districts.yml nor in the database"
            )
    if problems:
        raise GazetteerError(problems)

    if not shipped <= in_database:
        # Only when some are missing: it commits, and it would undo the names of an
        # earlier provinces.yml.
        ensure_provinces()
    return _write(folder, provinces, districts, communes)


def _write(
    folder: Path,
    provinces: dict[str, Names | None],
    districts: dict[str, Names | None],
    communes: dict[str, Names | None],
) -> ImportResult:
    """Add and rename places from validated rows in a few statements, not one a row."""
    province_rows = {p.code: p for p in db.session.scalars(select(Province))}
    district_rows = {d.code: d for d in db.session.scalars(select(District))}
    commune_rows = {c.code: c for c in db.session.scalars(select(Commune))}

    provinces_updated = sum(
        _rename(province_rows[code], names) for code, names in provinces.items()
    )
    districts_updated = sum(
        _rename(district_rows[code], names)
        for code, names in districts.items()
        if code in district_rows
    )
    communes_updated = sum(
        _rename(commune_rows[code], names)
        for code, names in communes.items()
        if code in commune_rows
    )

    new_districts = [
        {
            "code": code,
            "province_id": province_rows[code[:2]].id,
            "name_km": names[0],
            "name_latin": names[1],
        }
        for code, names in sorted(districts.items())
        if code not in district_rows and names is not None
    ]
    if new_districts:
        # A bulk insert returns no ids (that would cost a statement a row on SQLite),
        # so read the districts' ids back in one query.
        db.session.execute(insert(District), new_districts)
    district_ids = dict(db.session.execute(select(District.code, District.id)).all())
    new_communes = [
        {
            "code": code,
            "district_id": district_ids[code[:4]],
            "province_id": province_rows[code[:2]].id,
            "name_km": names[0],
            "name_latin": names[1],
        }
        for code, names in sorted(communes.items())
        if code not in commune_rows and names is not None
    ]
    if new_communes:
        db.session.execute(insert(Commune), new_communes)

    result = ImportResult(
        provinces_updated=provinces_updated,
        districts_added=len(new_districts),
        districts_updated=districts_updated,
        communes_added=len(new_communes),
        communes_updated=communes_updated,
    )
    audit.record(None, "gazetteer.import", "folder", folder.name[:64], asdict(result))
    db.session.commit()
    return result


def _rename(place: Province | District | Commune, names: Names | None) -> bool:
    """Set a place's names; return whether they changed."""
    if names is None or (place.name_km, place.name_latin) == names:
        return False
    place.name_km, place.name_latin = names
    return True


def _shipped_provinces() -> list[dict]:
    return tomllib.loads(PROVINCES_FILE.read_text(encoding="utf-8"))["provinces"]


def _read_level(
    folder: Path, level: _Level, problems: list[str]
) -> dict[str, Names | None] | None:
    """Read one file's entries by code, or None; add every problem to problems.

    A code whose names are wrong maps to None, so that its children still find
    their parent and only the wrong entry is reported.
    """
    path = folder / f"{level.key}.yml"
    if not path.is_file():
        if level.required:
            problems.append(f"{path.name}: missing from {folder}")
        return None
    try:
        # The C safe loader when present: as safe, five times faster on 1,652 communes.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: not readable YAML: {exc}")
        return None
    entries = data.get(level.key) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        problems.append(f"{path.name}: no mapping of codes under '{level.key}:'")
        return None
    pattern = re.compile(rf"[0-9]{{{level.digits}}}")
    rows: dict[str, Names | None] = {}
    for code, entry in entries.items():
        if not isinstance(code, str) or not pattern.fullmatch(code):
            hint = "" if isinstance(code, str) else " (quote it: YAML drops zeros)"
            problems.append(
                f"{path.name}: {code!r}: a code must be {level.digits} digits{hint}"
            )
            continue
        names, found = _entry_names(entry)
        problems.extend(f"{path.name}: {code}: {problem}" for problem in found)
        rows[code] = names
    return rows


def _entry_names(entry: object) -> tuple[Names | None, list[str]]:
    """Return one entry's normalised Khmer and Latin names, or what is wrong."""
    names = entry.get("name") if isinstance(entry, dict) else None
    if not isinstance(names, dict):
        return None, ["no name.km and name.latin"]
    values, found = [], []
    for language in ("km", "latin"):
        value = names.get(language)
        value = normalize_khmer(value) if isinstance(value, str) else ""
        if not value:
            found.append(f"name.{language} is empty")
        elif len(value) > NAME_LENGTH:
            found.append(f"name.{language} is longer than {NAME_LENGTH} characters")
        values.append(value)
    return (None, found) if found else ((values[0], values[1]), [])
