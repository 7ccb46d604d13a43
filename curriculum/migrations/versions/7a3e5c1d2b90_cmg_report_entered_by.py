"""CMG monthly reports: who entered a report on the member's behalf

Revision ID: 7a3e5c1d2b90
Revises: 5c0ffee1e515
Create Date: 2026-12-08 01:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3e5c1d2b90"
down_revision = "5c0ffee1e515"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cmg_monthly_reports") as batch:
        batch.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_cmg_monthly_reports_entered_by_id_users", "users", ["entered_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("cmg_monthly_reports") as batch:
        batch.drop_constraint("fk_cmg_monthly_reports_entered_by_id_users", type_="foreignkey")
        batch.drop_column("entered_by_id")
