"""report_cells and report_cmg_cells: summary tables the reports read

Revision ID: 4e6b8d2a9c10
Revises: 2b9c6d4e8f01
Create Date: 2026-12-08 05:00:00

Empty after the upgrade: run `flask reports rebuild` once to fill them from the raw
rows (every write keeps them exact from then on).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4e6b8d2a9c10"
down_revision = "2b9c6d4e8f01"
branch_labels = None
depends_on = None

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
    "women_reached",
    "men_reached",
)


def upgrade():
    op.create_table(
        "report_cells",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=7), nullable=False),
        sa.Column("province_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=16), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("sum_a", sa.BigInteger(), nullable=False),
        sa.Column("n_a", sa.Integer(), nullable=False),
        sa.Column("sum_b", sa.BigInteger(), nullable=False),
        sa.Column("n_b", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind",
            "key",
            "month",
            "label",
            "province_id",
            "commune_id",
            "track",
            "gender",
            "age_band",
        ),
    )
    op.create_table(
        "report_cmg_cells",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        *(sa.Column(f, sa.Integer(), nullable=False) for f in COUNT_FIELDS),
        sa.PrimaryKeyConstraint("month", "commune_id"),
    )
    # Distinct CMG members per commune and month are counted from an index alone.
    op.create_index(
        "ix_cmg_monthly_reports_commune_month_member",
        "cmg_monthly_reports",
        ["commune_id", "month", "member_id"],
    )


def downgrade():
    op.drop_index(
        "ix_cmg_monthly_reports_commune_month_member", table_name="cmg_monthly_reports"
    )
    op.drop_table("report_cmg_cells")
    op.drop_table("report_cells")
