"""Read modules/ and quizzes/ into a Catalog, collecting every error with file and line.

This is the entry point (`load_catalog`) and the small files: glossary, tracks, vetting.
Lessons load in lessons.py, quizzes in quizzes.py, the checks live in validation.py.
"""

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from curriculum.content.lessons import load_module
from curriculum.content.model import (
    Catalog,
    Criterion,
    Quiz,
    Term,
    Track,
    VettingCriteria,
)
from curriculum.content.parsing import ContentError, ContentInvalid, Reader
from curriculum.content.quizzes import load_attitude, load_quiz
from curriculum.content.spelling import khmer_problems
from curriculum.content.stamping import english_hash, short_hash
from curriculum.content.validation import (
    CRITERION_KINDS,
    KEY_RE,
    check_translation,
    cross_check,
)

__all__ = ["ContentError", "ContentInvalid", "load_catalog", "short_hash"]


def load_glossary(r: Reader, path: Path) -> tuple[Term, ...]:
    """Return the glossary terms, sorted by their English term."""
    doc = r.read_toml(path) if path.exists() else None
    if path.exists() is False:
        r.error(path, 1, "glossary.toml is missing")
    if not doc:
        return ()
    terms = []
    seen = set()
    for item in doc.get("terms", []):
        key = str(item.get("key", ""))
        anchor = f'"{key}"'
        if not KEY_RE.match(key):
            r.error(path, r.where(path, anchor), f"bad term key {key!r}")
            continue
        if key in seen:
            r.error(path, r.where(path, anchor), f"duplicate term {key!r}")
        seen.add(key)
        terms.append(
            Term(
                key,
                r.text(path, item, "term", anchor),
                r.text(path, item, "definition", anchor),
            )
        )
    return tuple(sorted(terms, key=lambda t: t.term.en.lower()))


def load_tracks(r: Reader, path: Path) -> tuple[Track, ...]:
    """Return the learning paths of tracks.toml (in the modules directory)."""
    if not path.exists():
        r.error(path, 1, "tracks.toml is missing")
        return ()
    doc = r.read_toml(path)
    if not doc:
        return ()
    tracks = []
    for item in doc.get("tracks", []):
        key = str(item.get("key", ""))
        anchor = f'"{key}"'
        required = item.get("required", [])
        optional = item.get("optional", [])
        if not isinstance(required, list) or not required:
            r.error(path, r.where(path, anchor), "a track needs required modules")
            required = []
        if not isinstance(optional, list):
            r.error(path, r.where(path, anchor), "optional must be a list")
            optional = []
        tracks.append(
            Track(
                key=key,
                title=r.text(path, item, "title", anchor),
                required=tuple(str(k) for k in required),
                optional=tuple(str(k) for k in optional),
                knowledge_test=item.get("knowledge_test"),
            )
        )
    return tuple(tracks)


def load_vetting(r: Reader, path: Path) -> VettingCriteria | None:
    """Return the committee's vetting criteria, or None."""
    if not path.exists():
        r.error(path, 1, "vetting.toml is missing")
        return None
    doc = r.read_toml(path)
    if doc is None:
        return None
    version = doc.get("version")
    months = doc.get("review_months")
    if not isinstance(version, str) or not version:
        r.error(path, r.where(path, "version"), "version must be text")
        version = ""
    if not isinstance(months, int) or months < 1:
        r.error(path, r.where(path, "review_months"), "review_months >= 1")
        months = 12
    criteria = []
    seen: set[str] = set()
    for item in doc.get("criteria", []):
        key = str(item.get("key", ""))
        anchor = f'key = "{key}"'
        line = r.where(path, anchor)
        kind = item.get("kind")
        if not KEY_RE.match(key) or key in seen:
            r.error(path, line, f"bad or repeated criterion key {key!r}")
        seen.add(key)
        if kind not in CRITERION_KINDS:
            r.error(path, line, f"kind must be one of {CRITERION_KINDS}")
        min_score = item.get("min_score")
        min_sessions = item.get("min_sessions")
        if kind == "training" and not (
            isinstance(min_score, int) and 0 < min_score <= 100
        ):
            r.error(path, line, "a training criterion needs min_score 1-100")
        if kind == "attendance" and not (
            isinstance(min_sessions, int) and min_sessions > 0
        ):
            r.error(path, line, "an attendance criterion needs min_sessions >= 1")
        criteria.append(
            Criterion(
                key=key,
                kind=str(kind),
                name=r.text(path, item, "name", anchor),
                evidence=r.text(path, item, "evidence", anchor),
                min_score=min_score if kind == "training" else None,
                min_sessions=min_sessions if kind == "attendance" else None,
            )
        )
    if not criteria:
        r.error(path, 1, "no criteria")
    return VettingCriteria(
        version=version,
        review_months=months,
        criteria=tuple(criteria),
        translation=check_translation(
            r, path, doc.get("translation"), english_hash(doc)
        ),
        path=r.rel(path),
    )


# -- whole catalogue -----------------------------------------------------
def _load(r: Reader, modules_dir: Path, quizzes_dir: Path) -> Catalog:
    glossary = load_glossary(r, modules_dir / "glossary.toml")
    terms = {t.key for t in glossary}
    tracks = load_tracks(r, modules_dir / "tracks.toml")
    modules = []
    for folder in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
        module = load_module(r, folder, terms)
        if module:
            modules.append(module)
    quizzes: dict[str, Quiz] = {}
    attitude = None
    for path in sorted(quizzes_dir.glob("*.toml")):
        doc = r.read_toml(path)
        if doc is None:
            continue
        key = doc.get("key")
        if key != path.stem:
            r.error(path, r.where(path, "key"), "key must equal the file name")
        if doc.get("kind") == "attitude":
            if attitude is not None:
                r.error(path, 1, "only one attitude survey is allowed")
            attitude = load_attitude(r, path, doc)
            continue
        quiz = load_quiz(r, path, doc)
        if quiz:
            quizzes[quiz.key] = quiz
    vetting = load_vetting(r, modules_dir / "vetting.toml")
    cross_check(r, modules, quizzes, tracks, modules_dir / "tracks.toml")
    modules.sort(key=lambda m: (m.order, m.key))
    return Catalog(
        modules=tuple(modules),
        quizzes=MappingProxyType(quizzes),
        tracks=tracks,
        glossary=glossary,
        attitude=attitude,
        vetting=vetting,
    )


def load_catalog(
    root: Path,
    modules_dir: Path,
    quizzes_dir: Path,
    term_url: Callable[[str], str],
    overrides: Mapping[Path, str] | None = None,
    revision: int = 0,
) -> Catalog:
    """Load and validate all content; raise ContentInvalid listing every error.

    `overrides` gives corrected texts to read in place of some files (reviewers'
    corrections, see content/items.py); `revision` numbers the corrections applied.
    """
    reader = Reader(root, term_url, overrides)
    catalog = _load(reader, modules_dir, quizzes_dir)
    if revision:
        catalog = dataclasses.replace(catalog, revision=revision)
    for path, text in reader.texts():
        if path.name.endswith((".km.md", ".toml")):
            for line, message in khmer_problems(text):
                reader.error(path, line, message)
    if reader.errors:
        raise ContentInvalid(reader.errors)
    return catalog
