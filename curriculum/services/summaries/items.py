"""Each attempt's questions right or wrong, stored with it for item analysis.

Item analysis compares how the best and the weakest attempts answered each question.
Grading thousands of attempts' answers on every report was most of the learning
page's time, so every flush that writes an attempt (online, paper, regrade, hub
import) also stores what grading gave it: the score and the questions answered right,
with a fingerprint of what the grading depended on (the questions, their right
answers and points, the rule for several choices). A stored result whose fingerprint
is not the quiz's current one (the answers were corrected since) or that is missing
(bulk inserts) is graded again when read; `fill` stores them all again (`flask
reports rebuild`).
"""

import hashlib
import json

from sqlalchemy import bindparam, inspect, select, update

from curriculum.content.model import Quiz
from curriculum.models import QuizAttempt
from curriculum.services import grading

CHUNK = 2000


def fingerprint(quiz: Quiz) -> str:
    """Return a short hash of everything grading a quiz's answers depends on."""
    parts = [quiz.multiple_choice]
    for q in quiz.questions:
        parts.append(
            [
                q.key,
                q.type,
                sorted(q.correct),
                repr(float(q.points)),
                sorted(c.key for c in q.choices),
            ]
        )
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def grades(quiz: Quiz, answers: dict | None, print_: str | None = None) -> dict:
    """Return the item grades of answers: fingerprint, score, questions right."""
    result = grading.grade(quiz, answers or {})
    return {
        "v": print_ or fingerprint(quiz),
        "s": float(result.score),
        "r": [r.key for r in result.questions if r.correct],
    }


def valid(stored: dict | None, print_: str) -> bool:
    """Return True when stored item grades were made by the quiz's current grading."""
    return isinstance(stored, dict) and stored.get("v") == print_


def app_catalog():
    """Return the current catalogue, or None outside an app."""
    from curriculum.content import catalog

    try:
        return catalog()
    except (RuntimeError, KeyError):  # no app (a script) or no catalogue loaded
        return None


def on_flush(session) -> None:
    """Grade the items of every attempt this flush adds or whose answers change."""
    attempts = [o for o in (*session.new, *session.dirty) if isinstance(o, QuizAttempt)]
    if not attempts:
        return
    cat = app_catalog()
    if cat is None:
        return
    prints: dict[str, str] = {}
    for attempt in attempts:
        state = inspect(attempt)
        if state.persistent and not (
            state.attrs.answers.history.has_changes()
            or state.attrs.quiz_key.history.has_changes()
            or attempt.item_grades is None
        ):
            continue
        quiz = cat.quiz(attempt.quiz_key)
        if quiz is None:
            attempt.item_grades = None
            continue
        if quiz.key not in prints:
            prints[quiz.key] = fingerprint(quiz)
        attempt.item_grades = grades(quiz, attempt.answers, prints[quiz.key])


def fill(conn, catalog, attempt_ids=None) -> int:
    """Store the item grades of attempts (None: all) that lack current ones.

    Returns how many were written. Reads and writes in chunks of attempt ids.
    """
    prints = {key: fingerprint(q) for key, q in catalog.quizzes.items()}
    table = QuizAttempt.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("attempt_id"))
        .values(item_grades=bindparam("grades", type_=table.c.item_grades.type))
    )
    written = 0
    last = 0
    ids = sorted(attempt_ids) if attempt_ids is not None else None
    while True:
        query = select(
            table.c.id, table.c.quiz_key, table.c.answers, table.c.item_grades
        ).order_by(table.c.id)
        if ids is None:
            query = query.where(table.c.id > last).limit(CHUNK)
            batch = conn.execute(query).all()
        else:
            chunk, ids = ids[:CHUNK], ids[CHUNK:]
            batch = (
                conn.execute(query.where(table.c.id.in_(chunk))).all() if chunk else []
            )
        if not batch:
            return written
        last = batch[-1].id
        rows = []
        for row in batch:
            quiz = catalog.quiz(row.quiz_key)
            if quiz is None or valid(row.item_grades, prints[row.quiz_key]):
                continue
            rows.append(
                {
                    "attempt_id": row.id,
                    "grades": grades(quiz, row.answers, prints[row.quiz_key]),
                }
            )
        if rows:
            conn.execute(stmt, rows)
            written += len(rows)
