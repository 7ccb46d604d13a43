"""CMG members' monthly activity reports (counts only) and groups of communes."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.extensions import db
from curriculum.models.base import UTCDateTime, utcnow

COUNT_FIELDS = (
    "sessions_held",
    "men_counselled",
    "outcome_stopped",
    "outcome_reduced",
    "outcome_continuing",
    "outcome_unknown",
    "reached_campaigns",
    "reached_leaflets",
    "reached_house_visits",
    # Of the people reached (in all three ways), how many were women and how many men;
    # the rest are not known. A split of the reach, never added to it.
    "women_reached",
    "men_reached",
)


class CmgMonthlyReport(db.Model):
    """What one CMG member did in one month, as counts: never a name."""

    __tablename__ = "cmg_monthly_reports"
    __table_args__ = (
        UniqueConstraint("member_id", "month", name="uq_cmg_report_month"),
        # Distinct members per commune and month, counted from the index alone.
        Index(
            "ix_cmg_monthly_reports_commune_month_member",
            "commune_id",
            "month",
            "member_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id"), index=True
    )
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    sessions_held: Mapped[int] = mapped_column(Integer, default=0)
    men_counselled: Mapped[int] = mapped_column(Integer, default=0)
    outcome_stopped: Mapped[int] = mapped_column(Integer, default=0)
    outcome_reduced: Mapped[int] = mapped_column(Integer, default=0)
    outcome_continuing: Mapped[int] = mapped_column(Integer, default=0)
    outcome_unknown: Mapped[int] = mapped_column(Integer, default=0)
    reached_campaigns: Mapped[int] = mapped_column(Integer, default=0)
    reached_leaflets: Mapped[int] = mapped_column(Integer, default=0)
    reached_house_visits: Mapped[int] = mapped_column(Integer, default=0)
    women_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    men_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Staff who entered it on the member's behalf (a past month, a paper form); None
    # when the member sent it himself.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entered_by = relationship("User", foreign_keys=[entered_by_id])

    def __repr__(self) -> str:
        return f"<CmgMonthlyReport {self.member_id} {self.month}>"


class CommuneGroup(db.Model):
    """A set of communes the programme reports together, e.g. 'old' and 'new' areas."""

    __tablename__ = "commune_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_km: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<CommuneGroup {self.name_en}>"


class CommuneGroupMember(db.Model):
    """A commune in a group for a period: from valid_from (None: always) to valid_to
    (exclusive; None: still). A commune is in one group at a time, so that moving it
    from "new" to "old" in 2026 does not rewrite what it was in 2008.
    """

    __tablename__ = "commune_group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("commune_groups.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<CommuneGroupMember {self.commune_id} -> {self.group_id}>"
