"""Factories for tests: plain functions that build accounts and workshops, sign people in.

Fixtures (app, client, places, users, as_user) live in conftest.py and use these; test
modules import what they need from here, never from conftest or from one another.
"""

import os
from datetime import date

from sqlalchemy import select

from curriculum.content import catalog
from curriculum.extensions import db
from curriculum.models import AuditEvent
from curriculum.services import accounts, workshops

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


# -- workshops -------------------------------------------------------------------------


def make_workshop(by, commune, *, modules=None, days=2, per_day=1, cofacilitators=()):
    """Create a workshop through the service, as the form does."""
    keys = modules if modules is not None else [m.key for m in catalog().modules[:2]]
    return workshops.create_workshop(
        by,
        title="សិក្ខាសាលា បឹងបត់កណ្ដាល",
        commune=commune,
        starts_on=date(2025, 3, 10),
        ends_on=date(2025, 3, 9 + days),
        module_keys=keys,
        cofacilitators=list(cofacilitators),
        sessions_per_day=per_day,
    )


def enrol_people(workshop, by, count, commune=None, tracks=("police",), prefix="p"):
    """Create count trainees and put them on the roster; return them in order."""
    people = []
    for i in range(count):
        person = make_user(f"{prefix}{workshop.id}x{i}", tracks=tracks, commune=commune)
        workshops.enrol(workshop, person, by)
        people.append(person)
    return people


def first_quiz(workshop):
    """Return the first module quiz of a workshop."""
    return workshops.workshop_quizzes(workshop, catalog())[0][1]


def audit_actions():
    """Return the actions of every audit event, oldest first."""
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def answers_scoring(quiz, wrong=0):
    """Return answers right except for the first `wrong` questions."""
    answers = {}
    for i, question in enumerate(quiz.questions):
        keys = sorted(question.correct)
        if i < wrong:
            keys = [c.key for c in question.choices if c.key not in question.correct][
                :1
            ]
        answers[question.key] = keys
    return answers


def as_form(answers):
    """Return quiz answers as the fields of a posted paper sheet."""
    return {f"q-{key}": value for key, value in answers.items()}


def accounts_user(
    username, name, *, phone=None, latin=None, commune=None, tracks=("cmg",)
):
    """Create a trainee with exactly the name and phone given (no password)."""
    return accounts.create_user(
        username=username,
        display_name=name,
        latin_name=latin,
        phone=phone,
        tracks=list(tracks),
        province_id=commune.province_id if commune else None,
        commune_id=commune.id if commune else None,
    )
