"""users index for the committee queue

Revision ID: 9fa588740f43
Revises: 7a3e5c1d2b90
Create Date: 2026-12-08 01:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9fa588740f43'
down_revision = '7a3e5c1d2b90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(
            'ix_users_commune_role_province',
            ['commune_id', 'role', 'province_id', 'display_name'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_commune_role_province')
