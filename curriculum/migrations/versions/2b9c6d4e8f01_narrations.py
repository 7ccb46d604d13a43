"""narrations: recorded voice for lesson sections and quiz questions

Revision ID: 2b9c6d4e8f01
Revises: f2c7a9e4b1d8
Create Date: 2026-12-08 04:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2b9c6d4e8f01"
down_revision = "f2c7a9e4b1d8"
branch_labels = None
depends_on = None

def upgrade():
    op.create_table(
        "narrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("text_hash", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target", "locale"),
    )
    op.create_index("ix_narrations_sha256", "narrations", ["sha256"])

def downgrade():
    op.drop_index("ix_narrations_sha256", table_name="narrations")
    op.drop_table("narrations")
