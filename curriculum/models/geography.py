"""Provinces, districts and communes, with Khmer and Latin names and official codes."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.extensions import db


class Province(db.Model):
    """A province or the capital (code 01-25)."""

    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)
    name_km: Mapped[str] = mapped_column(String(120))
    name_latin: Mapped[str] = mapped_column(String(120))

    def name(self, locale: str) -> str:
        """Return the name in the given locale."""
        return self.name_km if locale == "km" else self.name_latin

    def __repr__(self) -> str:
        return f"<Province {self.code} {self.name_latin}>"


class District(db.Model):
    """A district, municipality or section (code PPDD)."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    name_km: Mapped[str] = mapped_column(String(120))
    name_latin: Mapped[str] = mapped_column(String(120))

    province: Mapped[Province] = relationship()

    def name(self, locale: str) -> str:
        """Return the name in the given locale."""
        return self.name_km if locale == "km" else self.name_latin

    def __repr__(self) -> str:
        return f"<District {self.code} {self.name_latin}>"


class Commune(db.Model):
    """A commune or quarter (code PPDDCC).

    The province is stored as well as the district, so that scope checks and reports
    filter by province without a join.
    """

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    name_km: Mapped[str] = mapped_column(String(120))
    name_latin: Mapped[str] = mapped_column(String(120))

    district: Mapped[District] = relationship()
    province: Mapped[Province] = relationship()

    def name(self, locale: str) -> str:
        """Return the name in the given locale."""
        return self.name_km if locale == "km" else self.name_latin

    def __repr__(self) -> str:
        return f"<Commune {self.code} {self.name_latin}>"
