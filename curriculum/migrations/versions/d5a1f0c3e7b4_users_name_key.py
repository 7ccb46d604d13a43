"""users.name_key: the Khmer-normalised name, to find a person typed another way

Revision ID: d5a1f0c3e7b4
Revises: c41e7d0a8b22
Create Date: 2026-12-08 02:25:00

"""
import sqlalchemy as sa
from alembic import op

from curriculum.khmer import name_key

# revision identifiers, used by Alembic.
revision = "d5a1f0c3e7b4"
down_revision = "c41e7d0a8b22"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=200), nullable=True))
        batch.create_index("ix_users_name_key", ["name_key"], unique=False)
    connection = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("display_name", sa.String),
        sa.column("name_key", sa.String),
    )
    rows = connection.execute(sa.select(users.c.id, users.c.display_name)).all()
    for user_id, display_name in rows:
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(name_key=name_key(display_name or "")[:200] or None)
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_name_key")
        batch.drop_column("name_key")
