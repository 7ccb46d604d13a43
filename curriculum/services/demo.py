"""Demo data: a few places and one account of every role, for trying the platform."""

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from curriculum.content.model import Catalog
from curriculum.extensions import db
from curriculum.models import User
from curriculum.services import accounts, geography, quizzes

# A few real districts and communes of the three programme provinces (NCDD codes).
DEMO_PLACES = [
    ("1501", "បាកាន", "Bakan"),
    ("150101", "បឹងបត់កណ្ដាល", "Boeng Bat Kandaol"),
    ("150102", "បឹងខ្នារ", "Boeng Khnar"),
    ("1401", "បាភ្នំ", "Ba Phnum"),
    ("140101", "បឹងព្រះ", "Boeng Preah"),
    ("0401", "បរិបូណ៌", "Baribour"),
    ("040101", "អញ្ចាញរូង", "Anhchanh Rung"),
]

DEMO_REVIEWERS = {"reviewer"}

# username, Khmer name, Latin name, role, tracks, gender, commune code, scope
DEMO_PEOPLE = [
    ("admin", "អ្នកគ្រប់គ្រងកម្មវិធី", "Programme admin", "admin", [], "female", None, None),
    (
        "facilitator",
        "សុខ ចន្ថា",
        "Sok Chantha",
        "facilitator",
        [],
        "female",
        "150101",
        "commune",
    ),
    (
        "committee.pursat",
        "ជា វុទ្ធី",
        "Chea Vuthy",
        "committee",
        [],
        "male",
        "150101",
        "province",
    ),
    (
        "committee.preyveng",
        "ម៉ៅ ពិសិដ្ឋ",
        "Mao Piseth",
        "committee",
        [],
        "male",
        "140101",
        "province",
    ),
    # A native speaker who reviews the Khmer: staff with no place, so content only.
    ("reviewer", "នួន សុភា", "Nuon Sophea", "committee", [], "female", None, None),
    ("police", "ហេង ដារ៉ា", "Heng Dara", "trainee", ["police"], "male", "150101", None),
    ("chief", "ស៊ុន រិទ្ធី", "Sun Rithy", "trainee", ["leaders"], "male", "150102", None),
    ("health", "លី បុប្ផា", "Ly Bopha", "trainee", ["health"], "female", "140101", None),
    ("cmg.sokha", "កែវ សុខា", "Keo Sokha", "trainee", ["cmg"], "male", "150101", None),
    (
        "cmg.vannak",
        "ឈឹម វណ្ណៈ",
        "Chhim Vannak",
        "trainee",
        ["cmg"],
        "male",
        "150102",
        None,
    ),
    (
        "cmg.bunthoeun",
        "សួស ប៊ុនធឿន",
        "Suos Bunthoeun",
        "trainee",
        ["cmg"],
        "male",
        "140101",
        None,
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    """A demo account and its one-time printed password."""

    username: str
    role: str
    password: str


def has_users() -> bool:
    """Return True when any account exists."""
    return bool(db.session.scalar(select(func.count(User.id))))


def create_demo(catalog: Catalog) -> list[DemoAccount]:
    """Create the demo places and accounts; return the accounts with their passwords."""
    geography.ensure_provinces()
    for code, name_km, name_latin in DEMO_PLACES:
        if len(code) == 4:
            geography.upsert_district(code, name_km, name_latin)
        else:
            geography.upsert_commune(code, name_km, name_latin)
    db.session.commit()
    communes = {c.code: c for c in _communes()}
    created = []
    for username, km, latin, role, tracks, gender, commune_code, scope in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)
        commune = communes.get(commune_code) if commune_code else None
        user = accounts.create_user(
            username=username,
            display_name=km,
            latin_name=latin,
            role=role,
            tracks=tracks,
            gender=gender,
            password=password,
            province_id=commune.province_id if commune else None,
            commune_id=commune.id if commune and scope != "province" else None,
        )
        user.reviewer = username in DEMO_REVIEWERS
        created.append(DemoAccount(user.username, role, password))
    db.session.commit()
    _pass_cmg_path(
        db.session.scalar(select(User).where(User.username == "cmg.sokha")), catalog
    )
    return created


def _communes():
    from curriculum.models import Commune

    return db.session.scalars(select(Commune))


def _pass_cmg_path(user: User, catalog: Catalog) -> None:
    """Give one candidate a completed CMG path, so the committee sees a met criterion."""
    track = catalog.track("cmg")
    for key in track.required if track else ():
        module = catalog.module(key)
        quiz = catalog.quiz(module.quiz_key) if module else None
        if quiz is None:
            continue
        answers = {q.key: sorted(q.correct) for q in quiz.questions}
        quizzes.submit_attempt(
            user, quiz, answers, token=quizzes.new_attempt_token(), locale="km"
        )
