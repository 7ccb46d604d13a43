"""users.age_band: an optional age band for the reach by age

Revision ID: f2c7a9e4b1d8
Revises: e8b2c4d6f1a3
Create Date: 2026-12-08 02:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2c7a9e4b1d8"
down_revision = "e8b2c4d6f1a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("age_band", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("age_band")
