"""Indexes that bound the committee's queue, declared beside the users table.

The queue finds a scope's candidates through the users of its communes (commune_id,
role) and, for accounts without a commune, through the account's province
(commune_id IS NULL, role, province_id): one index serves both, and with the name it
holds everything the queue sorts by, so the users table is not read row by row. A page
then reads the candidates of the committee's own scope, never the country's. It
belongs in the users table's `__table_args__` (models/people.py); it lives here until
that file takes it.
"""

from sqlalchemy import Index

from curriculum.models.people import User

QUEUE_INDEX = Index(
    "ix_users_commune_role_province",
    User.commune_id,
    User.role,
    User.province_id,
    User.display_name,
)
