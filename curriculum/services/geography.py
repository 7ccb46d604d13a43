"""Provinces, districts and communes: the shipped provinces and adding places."""

import tomllib
from pathlib import Path

from sqlalchemy import select

from curriculum.extensions import db
from curriculum.models import Commune, District, Province

PROVINCES_FILE = Path(__file__).resolve().parent.parent / "data" / "provinces.toml"


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
                    code=row["code"], name_km=row["name_km"], name_latin=row["name_latin"]
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
