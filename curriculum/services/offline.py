"""Offline mode: what a trainee's phone may keep, and under which cache version.

The service worker (static/sw.js) stores only the URLs listed here, for the signed-in
trainee's own track; everything else is fetched from the network and never kept.
"""

import hashlib
import re
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from curriculum.content.model import Catalog, Module
from curriculum.extensions import db
from curriculum.models import QuizAttempt, User
from curriculum.services import narration, progress, quizzes

# Static files a page needs, kept in the "static" cache.
ASSETS = (
    "app.css",
    "fonts/khmer-subset.woff2",
    "icon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-512.png",
    "quiz.js",
    "offline.js",
    "narration.js",
)

# Paths a phone may keep. Anything about other people (vetting, reports, rosters,
# committees, administration, CMG reports, others' certificates) matches none of them.
ALLOWED = (
    re.compile(r"^/static/[\w./-]+$"),
    re.compile(r"^/offline$"),
    re.compile(r"^/learn/glossary$"),
    re.compile(r"^/learn/(?!vetting$|modules$|offline$)[\w-]+$"),
    re.compile(r"^/learn/(?!offline/)[\w-]+/[\w-]+$"),
    re.compile(r"^/quiz/(?!attempts/|measure/)[\w-]+$"),
    # Recorded narration of the curriculum (named by content hash; no one's data).
    re.compile(r"^/audio/[0-9a-f]{64}\.ogg$"),
)
NEVER = (
    "/committee",
    "/reports",
    "/admin",
    "/workshops",
    "/cmg",
    "/certificates",
    "/learn/vetting",
    "/account",
    "/setup",
)


def allowed(path: str) -> bool:
    """Return True when a phone may keep the page or file at this path."""
    bare = path.split("?", 1)[0]
    if any(bare == p or bare.startswith(p + "/") for p in NEVER):
        return False
    return any(pattern.match(bare) for pattern in ALLOWED)


@dataclass(frozen=True)
class Saved:
    """One module that can be made available offline."""

    module: Module
    version: str
    urls: tuple[str, ...]
    audio_bytes: int = 0  # the recordings among the URLs: shown before saving


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def assets_version(fingerprint) -> str:
    """Return the version of the static cache: a hash of the assets' own hashes."""
    return _digest(*(fingerprint(name) for name in ASSETS))


def module_version(catalog: Catalog, module: Module, locale: str, assets: str) -> str:
    """Return a module's cache version: its lessons', its quiz's and the assets' hashes.

    The hashes cover the text in the page's language as shown (a reviewer's Khmer
    correction changes it too), not only the English the files are versioned by.
    """
    quiz = catalog.quiz(module.quiz_key)
    return _digest(
        locale,
        assets,
        *(lesson.version + _digest(lesson.html[locale]) for lesson in module.lessons),
        (quiz.version + _digest(repr(quiz.questions))) if quiz else "",
    )


def modules_for(user: User, catalog: Catalog, locale: str, assets: str) -> list[Saved]:
    """Return the modules of the trainee's track, each with its URLs and version."""
    saved = []
    for module, _required in catalog.modules_for_tracks(user.tracks):
        urls = [url_for("learn.module", module_key=module.key)]
        urls += [
            url_for("learn.lesson", module_key=module.key, lesson_key=lesson.key)
            for lesson in module.lessons
        ]
        if catalog.quiz(module.quiz_key) is not None:
            urls.append(url_for("quiz.take", quiz_key=module.quiz_key))
        recordings = narration.module_audio(module, locale)
        urls += [url_for("narration.audio_file", sha256=r.sha256) for r in recordings]
        kept = tuple(dict.fromkeys(url for url in urls if allowed(url)))
        version = module_version(catalog, module, locale, assets)
        if recordings:  # a new or removed recording changes what is saved
            version = _digest(version, *sorted(r.sha256 for r in recordings))
        sizes = {r.sha256: r.size for r in recordings}
        saved.append(Saved(module, version, kept, sum(sizes.values())))
    return saved


def common_urls(asset_url) -> list[str]:
    """Return the URLs every saved module needs: assets, glossary, offline page."""
    urls = [asset_url(name) for name in ASSETS]
    urls += [url_for("learn.glossary"), url_for("offline.fallback")]
    return [url for url in urls if allowed(url)]


@dataclass(frozen=True)
class Replay:
    """What became of a quiz submission sent from a phone's queue."""

    status: str  # sent | changed | refused | locked | incomplete
    attempt_id: int | None = None


def replay_quiz(
    user: User,
    catalog: Catalog,
    quiz,
    answers: dict[str, list[str]],
    *,
    token: str,
    version: str,
    locale: str,
) -> Replay:
    """Grade a queued submission once (its token makes replays count once)."""
    done = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id, QuizAttempt.idempotency_key == token
        )
    )
    if done is not None:
        return Replay("sent", done.id)
    if version != quiz.version:
        return Replay("changed")
    if progress.missing_prerequisites(user, catalog.module(quiz.module_key)):
        return Replay("locked")
    if any(not picked for picked in answers.values()):
        return Replay("incomplete")
    try:
        attempt, _created = quizzes.submit_attempt(
            user, quiz, answers, token=token, locale=locale, catalog=catalog
        )
    except quizzes.AttemptRefused:
        return Replay("refused")
    return Replay("sent", attempt.id)
