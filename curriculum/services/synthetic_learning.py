"""Quiz attempts, completions, certificates and pre/post measures of synthetic trainees.

The total of attempts is given (`flask demo --attempts`) and met exactly: it is shared
out among the trainees (some never answer a quiz, the keen take many), and each spends
his share walking his track's modules in order, as the quiz policy allows: online at
most the quiz's max_attempts (3), at least its wait after a failure; after three
failures a paper sheet at a workshop (the facilitator enters it; paper skips the
policy), at most two; after that the module is locked and he stops. A pass completes the
module (the completion names that attempt); a trainee who has passed may retake a quiz
online, within the policy, to better his score. What someone could not spend (locked,
or no quiz left to retake) goes to others who can. Each retry after studying is a little
likelier to succeed.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from curriculum.models import (
    Certificate,
    ModuleCompletion,
    QuizAttempt,
    SurveyResponse,
)
from curriculum.services.certificates import new_code

PAPER_TRIES = 2  # sheets after a locked quiz, entered by a facilitator
NEVER = 0.1  # share of trainees who never answer a quiz (when the total allows)
RETAKE = 0.25  # chance to retake a passed quiz while the share allows
PRACTICE = 0.04  # each earlier try at a quiz makes a question this much likelier right


class TooManyAttempts(ValueError):
    """The total cannot be reached within the quiz policy."""


@dataclass(frozen=True)
class Counts:
    attempts: int
    completions: int
    certificates: int
    responses: int


@dataclass
class _Quiz:
    key: str
    module_key: str
    version: str
    max_points: float
    pass_mark: float
    online: int  # max_attempts (0: no limit, counted as 3)
    questions: list  # (key, points, correct answer, wrong choices, difficulty)


def quizzes(rng, catalog) -> dict[str, list[_Quiz]]:
    """Return each track's module quizzes in order, with a difficulty per question."""
    out = {}
    for track in catalog.tracks:
        path = []
        for module_key in track.required:
            module = catalog.module(module_key)
            quiz = catalog.quiz(module.quiz_key) if module else None
            if quiz is None:
                continue
            questions = [
                (
                    q.key,
                    q.points,
                    sorted(q.correct),
                    [c.key for c in q.choices if c.key not in q.correct],
                    rng.uniform(-0.15, 0.1),
                )
                for q in quiz.questions
            ]
            path.append(
                _Quiz(
                    quiz.key,
                    module_key,
                    quiz.version,
                    quiz.max_points,
                    quiz.pass_mark or 0,
                    quiz.max_attempts or 3,
                    questions,
                )
            )
        out[track.key] = path
    return out


def capacity(path: list[_Quiz], paper: bool) -> int:
    return sum(q.online + (PAPER_TRIES if paper else 0) for q in path)


def shares(rng, caps: list[int], total: int) -> list[int]:
    """Split `total` among people with these capacities: skewed, exact, within caps."""
    if total > sum(caps):
        raise TooManyAttempts(
            f"at most {sum(caps)} attempts fit the quiz policy for {len(caps)} "
            "trainees; add trainees or ask for fewer attempts"
        )
    weights = [rng.gammavariate(2.0, 1.0) if cap else 0.0 for cap in caps]
    keen = [w for w, cap in zip(weights, caps, strict=True) if cap]
    if total < sum(caps) * (1 - NEVER) and keen:
        for i in rng.sample(range(len(caps)), int(len(caps) * NEVER)):
            weights[i] = 0.0
    share = [0] * len(caps)
    left = total
    while left:
        open_ = [i for i, cap in enumerate(caps) if share[i] < cap and weights[i]]
        if not open_:  # everyone with a weight is full: the others must take the rest
            for i, cap in enumerate(caps):
                weights[i] = 1.0 if share[i] < cap else 0.0
            continue
        mass = sum(weights[i] for i in open_)
        given = 0
        for i in open_:
            give = min(caps[i] - share[i], int(left * weights[i] / mass))
            share[i] += give
            given += give
        left -= given
        if left and not given:  # the rounding left a few: one each, by weight
            for i in rng.choices(open_, [weights[i] for i in open_], k=left):
                if share[i] < caps[i] and left:
                    share[i] += 1
                    left -= 1
    return share


class Trainee:
    """One trainee's way through his track's quizzes, resumable with a further share."""

    def __init__(self, rng, out, uid, person, path, now, facilitator):
        self.rng, self.out, self.uid, self.path, self.now = rng, out, uid, path, now
        self.ability = person["_ability"]
        created = person["created_at"]
        self.when = min(
            created + timedelta(days=rng.randint(0, 20)), created + (now - created) / 2
        )
        self.facilitator = facilitator
        self.index = 0
        self.used = [0] * len(path)
        self.passed_at: list[datetime | None] = [None] * len(path)
        self.locked = False

    def spend(self, budget: int) -> int:
        """Take up to `budget` attempts; return how many he could not take."""
        while budget and not self.locked:
            if self.index >= len(self.path):
                return self._retake_later(budget)
            i = self.index
            quiz = self.path[i]
            if self.passed_at[i] is not None:
                spare = budget - (len(self.path) - i - 1)
                if (
                    self.used[i] < quiz.online
                    and spare > 0
                    and self.rng.random() < RETAKE
                ):
                    self._attempt(i, "online")
                    budget -= 1
                else:
                    self.index += 1
                continue
            paper = PAPER_TRIES if self.facilitator is not None else 0
            if self.used[i] >= quiz.online + paper:
                self.locked = True
                break
            self._attempt(i, "online" if self.used[i] < quiz.online else "paper")
            budget -= 1
        return budget

    def _retake_later(self, budget: int) -> int:
        while budget:
            open_ = [
                i
                for i, quiz in enumerate(self.path)
                if self.passed_at[i] is not None and self.used[i] < quiz.online
            ]
            if not open_:
                break
            self._attempt(self.rng.choice(open_), "online", later=True)
            budget -= 1
        return budget

    def can_take(self) -> bool:
        """Whether another attempt fits: a quiz not yet passed or one to retake."""
        return not self.locked and any(
            t is None or used < quiz.online
            for t, used, quiz in zip(self.passed_at, self.used, self.path, strict=True)
        )

    @property
    def done_at(self) -> datetime | None:
        if not self.path or any(t is None for t in self.passed_at):
            return None
        return max(self.passed_at)

    def _advance(self, mode: str, later: bool) -> None:
        rng = self.rng
        if mode == "paper":  # the next workshop
            step = timedelta(days=rng.randint(7, 60), hours=rng.randint(0, 8))
        elif later:
            step = timedelta(days=rng.randint(5, 90), minutes=rng.randint(0, 600))
        else:  # the quiz's wait (60 minutes) and more after a failure
            step = timedelta(days=rng.randint(0, 10), minutes=rng.randint(61, 900))
        if self.when + step < self.now:
            self.when += step
        else:  # squeeze what is left of the time before now
            self.when += (self.now - self.when) * rng.uniform(0.05, 0.5)

    def _attempt(self, i: int, mode: str, later: bool = False) -> None:
        rng, quiz = self.rng, self.path[i]
        self._advance(mode, later)
        practice = PRACTICE * self.used[i]
        answers, right = {}, 0.0
        for key, points, correct, wrong, difficulty in quiz.questions:
            ok = not wrong or rng.random() < self.ability - difficulty + practice
            answers[key] = correct if ok else [rng.choice(wrong)]
            right += points if ok else 0
        percent = 100.0 * right / quiz.max_points
        passed = percent >= quiz.pass_mark
        token = f"syn-{self.uid}-{quiz.key}-{self.used[i]}"
        self.used[i] += 1
        attempt_id = self.out.new_id(QuizAttempt)
        self.out.add(
            QuizAttempt,
            {
                "id": attempt_id,
                "user_id": self.uid,
                "quiz_key": quiz.key,
                "idempotency_key": token,
                "seed": int(hashlib.sha256(token.encode()).hexdigest()[:7], 16),
                "answers": answers,
                "points": right,
                "max_points": quiz.max_points,
                "percent": percent,
                "passed": passed,
                "mode": mode,
                "entered_by_id": self.facilitator if mode == "paper" else None,
                "content_version": quiz.version,
                "locale": "km",
                "submitted_at": self.when,
            },
        )
        if passed and self.passed_at[i] is None:
            self.passed_at[i] = self.when
            self.out.add(
                ModuleCompletion,
                {
                    "id": self.out.new_id(ModuleCompletion),
                    "user_id": self.uid,
                    "module_key": quiz.module_key,
                    "attempt_id": attempt_id,
                    "completed_at": self.when,
                },
            )


def generate(rng, catalog, out, ids, people, now, facilitator, total) -> Counts:
    """Write `total` attempts of these people, their completions, certificates, measures."""
    paths = quizzes(rng, catalog)
    trainees = [
        Trainee(rng, out, uid, p, paths.get(p["_track"], []), now, facilitator)
        for uid, p in zip(ids, people, strict=True)
    ]
    paper = facilitator is not None
    budget = shares(rng, [capacity(t.path, paper) for t in trainees], total)
    pool = sum(t.spend(b) for t, b in zip(trainees, budget, strict=True))
    while pool:  # what the locked could not take goes to those who can
        able = [t for t in trainees if t.can_take() and any(t.used)]
        if not able:  # nobody started can take more: those who never began must
            able = [t for t in trainees if t.can_take()]
        rng.shuffle(able)
        before = pool
        for trainee in able:
            if not pool:
                break
            give = min(pool, rng.randint(1, 3))
            pool -= give - trainee.spend(give)
        if pool == before:
            raise TooManyAttempts(
                f"{pool} attempts do not fit the quiz policy: ask for fewer attempts"
            )
    completions = sum(sum(t is not None for t in tr.passed_at) for tr in trainees)
    certificates = responses = 0
    for trainee, person in zip(trainees, people, strict=True):
        track = catalog.track(person["_track"])
        done = trainee.done_at
        if done is not None and track is not None:
            out.add(
                Certificate,
                {
                    "user_id": trainee.uid,
                    "track": track.key,
                    "code": new_code(),
                    "issued_at": done,
                },
            )
            certificates += 1
        if track is not None:
            responses += _measures(rng, catalog, out, trainee, track, person, done)
    return Counts(total, completions, certificates, responses)


def _measures(rng: random.Random, catalog, out, trainee, track, person, done) -> int:
    """Add a trainee's pre (and, when the path is done, post) measures; return them."""
    if rng.random() >= 0.7:  # no pre measure taken
        return 0
    made = 0
    ability, created = trainee.ability, person["created_at"]
    measures = [
        ("knowledge", track.knowledge_test),
        ("attitude", catalog.attitude.key if catalog.attitude else None),
    ]
    for kind, instrument in measures:
        if not instrument:
            continue
        maximum = 10.0 if kind == "knowledge" else 3.0 * len(catalog.attitude.items)
        base = (
            (ability - 0.15) if kind == "knowledge" else 0.55 + rng.uniform(-0.15, 0.15)
        )
        pre_score = round(max(0.0, min(1.0, base + rng.uniform(-0.1, 0.1))) * maximum)
        phases = [("pre", pre_score, created)]
        if done is not None and rng.random() < 0.8:
            gain = rng.uniform(-0.05, 0.3)
            post_score = round(min(maximum, pre_score + gain * maximum))
            phases.append(("post", post_score, done + timedelta(hours=1)))
        for phase, score, when in phases:
            out.add(
                SurveyResponse,
                {
                    "user_id": trainee.uid,
                    "instrument": instrument,
                    "kind": kind,
                    "track": track.key,
                    "phase": phase,
                    "answers": {},
                    "score": float(score),
                    "max_score": float(maximum),
                    "mode": "online",
                    "content_version": "synthetic",
                    "locale": "km",
                    "submitted_at": min(when, trainee.now),
                },
            )
            made += 1
    return made
