"""translation review: reviewers, corrections, their history, the content revision

Revision ID: 5c0ffee1e515
Revises: 96d2afa18d8c
Create Date: 2026-12-08 01:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "5c0ffee1e515"
down_revision = "96d2afa18d8c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("reviewer", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "content_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "translation_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("km_text", sa.Text(), nullable=True),
        sa.Column("en_hash", sa.String(length=16), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_key"),
    )
    op.create_table(
        "translation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("en_hash", sa.String(length=16), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_translation_events_item_key", "translation_events", ["item_key"]
    )


def downgrade():
    op.drop_index("ix_translation_events_item_key", table_name="translation_events")
    op.drop_table("translation_events")
    op.drop_table("translation_reviews")
    op.drop_table("content_revisions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("reviewer")
