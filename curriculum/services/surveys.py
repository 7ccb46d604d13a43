"""Pre/post measures: a track's knowledge test and the attitude survey, never pass/fail."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from curriculum.content.model import AttitudeSurvey, Catalog, Quiz
from curriculum.extensions import db
from curriculum.models import SurveyResponse, User
from curriculum.services import grading
from curriculum.services.progress import completed_modules
from curriculum.services.quizzes import clean_answers

PHASES = ("pre", "post")


@dataclass(frozen=True)
class Offer:
    """A measure the trainee is invited to take now."""

    instrument: str
    kind: str  # "knowledge" or "attitude"
    track: str
    phase: str


def responses(user: User) -> dict[tuple[str, str], SurveyResponse]:
    """Return the user's responses by (instrument, phase)."""
    rows = db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.user_id == user.id)
    )
    return {(r.instrument, r.phase): r for r in rows}


def offers(user: User, catalog: Catalog) -> list[Offer]:
    """Return the measures due: pre before any module is passed, post once a path is done."""
    done = completed_modules(user.id)
    taken = responses(user)
    due = []
    attitude_phase = None
    for key in user.tracks:
        track = catalog.track(key)
        if track is None:
            continue
        path = set(track.required) | set(track.optional)
        if not done & path:
            phase = "pre"
        elif set(track.required) <= done:
            phase = "post"
        else:
            phase = None
        if (
            phase
            and track.knowledge_test
            and (track.knowledge_test, phase) not in taken
        ):
            due.append(Offer(track.knowledge_test, "knowledge", key, phase))
        if phase and attitude_phase is None:
            attitude_phase = (phase, key)
    survey = catalog.attitude
    if survey and attitude_phase and (survey.key, attitude_phase[0]) not in taken:
        due.append(Offer(survey.key, "attitude", attitude_phase[1], attitude_phase[0]))
    return due


def instrument(catalog: Catalog, key: str) -> Quiz | AttitudeSurvey | None:
    """Return a knowledge test or the attitude survey by key."""
    if catalog.attitude and catalog.attitude.key == key:
        return catalog.attitude
    quiz = catalog.quiz(key)
    return quiz if quiz and quiz.kind == "knowledge" else None


def clean_attitude(survey: AttitudeSurvey, raw: dict[str, str]) -> dict[str, str]:
    """Keep answers to this survey's items with keys of its scale."""
    scale = {key for key, _ in survey.scale}
    return {
        item.key: raw[item.key] for item in survey.items if raw.get(item.key) in scale
    }


def _scored(
    measure: Quiz | AttitudeSurvey, raw_answers: dict
) -> tuple[dict, float, float]:
    """Return (clean answers, score, maximum) of a knowledge test or attitude survey."""
    if isinstance(measure, AttitudeSurvey):
        answers = clean_attitude(measure, raw_answers)
        score, maximum = grading.score_attitude(measure, answers)
        return answers, float(score), float(maximum)
    answers = clean_answers(measure, raw_answers)
    result = grading.grade(measure, answers)
    return answers, float(result.score), float(result.max_score)


def rescore(response: SurveyResponse, catalog: Catalog, raw_answers: dict) -> bool:
    """Replace a response's answers and score them again; True when they changed.

    Nothing is committed: the caller audits and commits.
    """
    measure = instrument(catalog, response.instrument)
    answers, score, maximum = _scored(measure, raw_answers)
    if answers == response.answers:
        return False
    response.answers = answers
    response.score = score
    response.max_score = maximum
    response.content_version = measure.version
    return True


def submit(
    user: User,
    catalog: Catalog,
    offer: Offer,
    raw_answers: dict,
    *,
    locale: str,
    mode: str = "online",
    entered_by: User | None = None,
) -> tuple[SurveyResponse, bool]:
    """Save a response once per (user, instrument, phase); return (response, created)."""
    existing = responses(user).get((offer.instrument, offer.phase))
    if existing is not None:
        return existing, False
    measure = instrument(catalog, offer.instrument)
    answers, score, maximum = _scored(measure, raw_answers)
    response = SurveyResponse(
        user_id=user.id,
        instrument=offer.instrument,
        kind=offer.kind,
        track=offer.track,
        phase=offer.phase,
        answers=answers,
        score=float(score),
        max_score=float(maximum),
        mode=mode,
        entered_by_id=entered_by.id if entered_by else None,
        content_version=measure.version,
        locale=locale,
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return responses(user)[(offer.instrument, offer.phase)], False
    return response, True
