"""quiz_attempts.item_grades (each question right or wrong) and the reports' indexes

Revision ID: 7c3e5a9b2d41
Revises: 4e6b8d2a9c10
Create Date: 2026-12-08 06:00:00

item_grades is empty after the upgrade: item analysis grades such attempts when it
reads them (exact, slower) until `flask reports rebuild` stores them; every write
stores them from then on. The indexes: item analysis's latest attempts of a quiz
(quiz_key, id), and the event times the reports read a period's edge days by.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3e5a9b2d41"
down_revision = "4e6b8d2a9c10"
branch_labels = None
depends_on = None

EDGE = (
    ("ix_users_created_at", "users", "created_at"),
    ("ix_lesson_views_first_at", "lesson_views", "first_at"),
    ("ix_quiz_attempts_submitted_at", "quiz_attempts", "submitted_at"),
    ("ix_module_completions_completed_at", "module_completions", "completed_at"),
    ("ix_certificates_issued_at", "certificates", "issued_at"),
    ("ix_survey_responses_submitted_at", "survey_responses", "submitted_at"),
    ("ix_workshops_starts_on", "workshops", "starts_on"),
)


def upgrade():
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("item_grades", sa.JSON(), nullable=True))
    op.create_index("ix_quiz_attempts_quiz_id", "quiz_attempts", ["quiz_key", "id"])
    for name, table, column in EDGE:
        op.create_index(name, table, [column])


def downgrade():
    for name, table, _column in EDGE:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_quiz_attempts_quiz_id", table_name="quiz_attempts")
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.drop_column("item_grades")
