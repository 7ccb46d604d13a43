"""Factories for tests: plain functions that build accounts and sign people in.

Fixtures (app, client, places, users, as_user) live in conftest.py and use these; test
modules import what they need from here, never from conftest or from one another.
"""

import os

from curriculum.services import accounts

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only


def make_user(
    username: str,
    role: str = "trainee",
    tracks=(),
    commune=None,
    scope=None,
    password: str = PASSWORD,
    locale=None,
):
    """Create an account; scope='province' gives staff the commune's whole province."""
    return accounts.create_user(
        username=username,
        display_name=f"ឈ្មោះ {username}",
        latin_name=username.title(),
        role=role,
        tracks=list(tracks),
        password=password,
        province_id=commune.province_id if commune else None,
        commune_id=commune.id if commune and scope != "province" else None,
        locale=locale,
    )


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the real form."""
    return client.post("/login", data={"username": username, "password": password})


def require_all() -> bool:
    """Return True when skips for missing tools must fail instead (set by CI)."""
    return os.environ.get("REQUIRE_ALL_TESTS") == "1"
