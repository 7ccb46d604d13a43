"""CMG monthly reports: of the people reached, women and men

Revision ID: e8b2c4d6f1a3
Revises: d5a1f0c3e7b4
Create Date: 2026-12-08 02:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8b2c4d6f1a3"
down_revision = "d5a1f0c3e7b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cmg_monthly_reports") as batch:
        batch.add_column(
            sa.Column("women_reached", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("men_reached", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("cmg_monthly_reports") as batch:
        batch.drop_column("men_reached")
        batch.drop_column("women_reached")
