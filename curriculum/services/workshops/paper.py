"""Paper results: module quiz sheets and pre/post measures entered by a facilitator."""

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from curriculum.content.model import AttitudeSurvey, Catalog, Module, Quiz
from curriculum.extensions import db
from curriculum.models import QuizAttempt, SurveyResponse, User, Workshop
from curriculum.services import audit, certificates, quizzes
from curriculum.services import surveys as survey_service
from curriculum.services.workshops.errors import WorkshopError
from curriculum.services.workshops.roster import Participant
from curriculum.services.workshops.schedule import check_open


def paper_token(workshop: Workshop, user: User, quiz_key: str) -> str:
    """Return the idempotency key of a paper sheet: entered twice, it is saved once."""
    token = f"paper-{workshop.id}-{user.id}-{quiz_key}"
    if len(token) > 64:
        token = "paper-" + hashlib.sha256(token.encode()).hexdigest()[:58]
    return token


def workshop_quizzes(workshop: Workshop, catalog: Catalog) -> list[tuple[Module, Quiz]]:
    """Return the module quizzes of the workshop's modules, in course order."""
    found = []
    for key in workshop.module_keys or []:
        module = catalog.module(key)
        quiz = catalog.quiz(module.quiz_key) if module else None
        if quiz is not None:
            found.append((module, quiz))
    return sorted(found, key=lambda pair: pair[0].order)


def measures(workshop: Workshop, catalog: Catalog, people: list[Participant]):
    """Return the pre/post measures for this roster: knowledge tests, then attitude."""
    tracks = {track for person in people for track in person.user.tracks}
    found = []
    for track in catalog.tracks:
        if track.key in tracks and track.knowledge_test:
            quiz = catalog.quiz(track.knowledge_test)
            if quiz is not None:
                found.append((track.knowledge_test, "knowledge", quiz))
    if catalog.attitude:
        found.append((catalog.attitude.key, "attitude", catalog.attitude))
    return found


def paper_attempts(
    workshop: Workshop, quiz: Quiz, people: list[Participant]
) -> dict[int, QuizAttempt]:
    """Return this workshop's paper attempts at a quiz, by user id (one query)."""
    tokens = {paper_token(workshop, p.user, quiz.key): p.user.id for p in people}
    if not tokens:
        return {}
    rows = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.idempotency_key.in_(list(tokens)))
    )
    return {row.user_id: row for row in rows}


def paper_attempt(workshop: Workshop, person: User, quiz: Quiz) -> QuizAttempt | None:
    """Return the paper attempt entered for this person's sheet, or None."""
    token = paper_token(workshop, person, quiz.key)
    return db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.idempotency_key == token)
    )


def enter_paper_quiz(
    workshop: Workshop,
    person: User,
    quiz: Quiz,
    answers: dict[str, list[str]],
    by: User,
    *,
    locale: str,
    catalog: Catalog,
) -> tuple[QuizAttempt, bool]:
    """Grade a paper sheet like an online attempt, save it once; (attempt, created)."""
    check_open(workshop)
    return _enter_once(
        workshop,
        person,
        by,
        paper_attempt(workshop, person, quiz),
        ("quiz.paper_entry", {"quiz": quiz.key}),
        lambda: quizzes.submit_attempt(
            person,
            quiz,
            answers,
            token=paper_token(workshop, person, quiz.key),
            locale=locale,
            mode="paper",
            entered_by=by,
            enforce_policy=False,
            catalog=catalog,
        ),
    )


@dataclass(frozen=True)
class Correction:
    """What correcting a paper sheet did."""

    attempt: QuizAttempt
    changed: bool
    old_percent: float
    withdrawn: tuple[str, ...] = ()  # tracks whose certificate was withdrawn
    restored: tuple[str, ...] = ()  # tracks whose withdrawn certificate came back


def correct_paper_quiz(
    workshop: Workshop,
    person: User,
    quiz: Quiz,
    answers: dict[str, list[str]],
    by: User,
    *,
    catalog: Catalog,
) -> Correction:
    """Correct an entered paper sheet: re-grade it in place, never a second attempt.

    Refused once the workshop is closed ("workshop_closed") or when no sheet was
    entered ("no_sheet"). The same correction twice changes nothing the second time.
    The completion of the module, and certificates resting on it, follow the new score.
    """
    check_open(workshop)
    attempt = paper_attempt(workshop, person, quiz)
    if attempt is None or attempt.mode != "paper":
        raise WorkshopError("no_sheet")
    before = {
        "answers": attempt.answers,
        "percent": attempt.percent,
        "passed": attempt.passed,
    }
    if not quizzes.regrade(attempt, quiz, answers):
        return Correction(attempt, False, before["percent"])
    audit.record(
        by,
        "quiz.paper_correction",
        "user",
        person.id,
        {
            "workshop": workshop.id,
            "quiz": quiz.key,
            "attempt": attempt.id,
            "old": before,
            "new": {
                "answers": attempt.answers,
                "percent": attempt.percent,
                "passed": attempt.passed,
            },
        },
    )
    db.session.flush()
    withdrawn, restored = certificates.follow_completions(person, catalog, by)
    db.session.commit()
    if attempt.passed:
        certificates.issue_due(person, catalog)
    return Correction(
        attempt, True, before["percent"], tuple(withdrawn), tuple(restored)
    )


def _enter_once(workshop, person, by, existing, event, submit):
    """Return (existing, False), or audit the entry and save it: (record, True)."""
    if existing is not None:
        return existing, False
    action, details = event
    # Added before the record, so that both are saved by the same commit or neither.
    audit.record(by, action, "user", person.id, {"workshop": workshop.id, **details})
    return submit()


def track_for_measure(person: User, kind: str, quiz_key: str, catalog: Catalog):
    """Return the track under which a person's pre/post answers are kept, or None."""
    for key in person.tracks:
        track = catalog.track(key)
        if track is None:
            continue
        if kind == "attitude" or track.knowledge_test == quiz_key:
            return key
    return None


def survey_responses(
    people: list[Participant], instrument: str, phase: str
) -> dict[int, SurveyResponse]:
    """Return the responses of the roster to one measure and phase (one query)."""
    ids = [p.user.id for p in people]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.user_id.in_(ids),
            SurveyResponse.instrument == instrument,
            SurveyResponse.phase == phase,
        )
    )
    return {row.user_id: row for row in rows}


def measure_offer(
    person: User, catalog: Catalog, instrument: str, phase: str
) -> survey_service.Offer:
    """Return how a person's pre/post answers to a measure are kept; WorkshopError if not."""
    measure = survey_service.instrument(catalog, instrument)
    if measure is None or phase not in survey_service.PHASES:
        raise WorkshopError("no_such_measure")
    kind = "attitude" if isinstance(measure, AttitudeSurvey) else "knowledge"
    track = track_for_measure(person, kind, instrument, catalog)
    if track is None:
        raise WorkshopError("not_on_track")
    return survey_service.Offer(instrument, kind, track, phase)


def enter_paper_measure(
    workshop: Workshop,
    person: User,
    catalog: Catalog,
    instrument: str,
    phase: str,
    answers: dict,
    by: User,
    *,
    locale: str,
) -> tuple[SurveyResponse, bool]:
    """Save a pre/post knowledge test or attitude survey from paper, once."""
    check_open(workshop)
    offer = measure_offer(person, catalog, instrument, phase)
    return _enter_once(
        workshop,
        person,
        by,
        survey_service.responses(person).get((instrument, phase)),
        ("survey.paper_entry", {"instrument": instrument, "phase": phase}),
        lambda: survey_service.submit(
            person, catalog, offer, answers, locale=locale, mode="paper", entered_by=by
        ),
    )


def correct_paper_measure(
    workshop: Workshop,
    person: User,
    catalog: Catalog,
    instrument: str,
    phase: str,
    answers: dict,
    by: User,
) -> bool:
    """Correct an entered pre/post paper sheet in place; return True when it changed.

    Refused once the workshop is closed, and for answers the person gave online
    ("no_sheet"): those are the trainee's own.
    """
    check_open(workshop)
    measure_offer(person, catalog, instrument, phase)
    response = survey_service.responses(person).get((instrument, phase))
    if response is None or response.mode != "paper":
        raise WorkshopError("no_sheet")
    before = {"answers": response.answers, "score": response.score}
    if not survey_service.rescore(response, catalog, answers):
        return False
    audit.record(
        by,
        "survey.paper_correction",
        "user",
        person.id,
        {
            "workshop": workshop.id,
            "instrument": instrument,
            "phase": phase,
            "old": before,
            "new": {"answers": response.answers, "score": response.score},
        },
    )
    db.session.commit()
    return True
