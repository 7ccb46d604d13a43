"""Workshop hubs: bundles imported from a hub, seeds loaded on one, and row identities."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow


class HubImport(db.Model):
    """One bundle imported from a hub: who imported it and how many rows (no content)."""

    __tablename__ = "hub_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(64), unique=True)
    hub_id: Mapped[str] = mapped_column(String(64), index=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<HubImport {self.bundle_id} from {self.hub_id}>"


class HubRecord(db.Model):
    """A hub's row (hub id, kind, local id) and the central row it stands for.

    Written on the centre by an import, so that a row imported twice counts once; and
    on a hub by loading a seed, for the rows that came from the centre.
    """

    __tablename__ = "hub_records"
    __table_args__ = (
        UniqueConstraint("hub_id", "kind", "local_id", name="uq_hub_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    local_id: Mapped[int] = mapped_column(Integer)
    central_id: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<HubRecord {self.hub_id} {self.kind}:{self.local_id}>"


class HubSeed(db.Model):
    """A seed from the centre loaded on this hub: which workshop, under which hub id.

    Written on the hub. The rows the seed brought are HubRecord rows under the same hub
    id, so that an export sends their central ids and leaves out what came from the
    centre.
    """

    __tablename__ = "hub_seeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    seed_id: Mapped[str] = mapped_column(String(64), unique=True)
    hub_id: Mapped[str] = mapped_column(String(64))
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    central_workshop_id: Mapped[int] = mapped_column(Integer)
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<HubSeed {self.seed_id} workshop {self.workshop_id}>"
