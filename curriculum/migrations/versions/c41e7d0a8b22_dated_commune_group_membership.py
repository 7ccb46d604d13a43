"""commune group membership with dates (a commune's group can change over time)

Revision ID: c41e7d0a8b22
Revises: 9fa588740f43
Create Date: 2026-12-08 02:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c41e7d0a8b22"
down_revision = "9fa588740f43"
branch_labels = None
depends_on = None


def upgrade():
    # The primary key changes (one row per commune and period): a new table, the
    # memberships copied as valid always, then it takes the old table's name.
    op.create_table(
        "commune_group_members_dated",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["commune_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO commune_group_members_dated (commune_id, group_id) "
        "SELECT commune_id, group_id FROM commune_group_members"
    )
    with op.batch_alter_table("commune_group_members") as batch:
        batch.drop_index("ix_commune_group_members_group_id")
    op.drop_table("commune_group_members")
    op.rename_table("commune_group_members_dated", "commune_group_members")
    op.create_index(
        "ix_commune_group_members_commune_id", "commune_group_members", ["commune_id"]
    )
    op.create_index(
        "ix_commune_group_members_group_id", "commune_group_members", ["group_id"]
    )


def downgrade():
    op.create_table(
        "commune_group_members_undated",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["commune_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("commune_id"),
    )
    op.execute(
        "INSERT INTO commune_group_members_undated (commune_id, group_id) "
        "SELECT commune_id, group_id FROM commune_group_members WHERE valid_to IS NULL"
    )
    op.drop_index("ix_commune_group_members_group_id", "commune_group_members")
    op.drop_index("ix_commune_group_members_commune_id", "commune_group_members")
    op.drop_table("commune_group_members")
    op.rename_table("commune_group_members_undated", "commune_group_members")
    op.create_index(
        "ix_commune_group_members_group_id", "commune_group_members", ["group_id"]
    )
