"""Immutable content objects: what the catalogue holds once loaded."""

from dataclasses import dataclass
from types import MappingProxyType

LOCALES = ("km", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of text in Khmer and English."""

    km: str
    en: str

    def __getitem__(self, locale: str) -> str:
        return self.km if locale == "km" else self.en


@dataclass(frozen=True, slots=True)
class Translation:
    """The state of the Khmer translation of one file."""

    source_sha256: str  # hash of the English text the Khmer was made from
    current_sha256: str  # hash of the English text now
    review: str  # "draft" or "reviewed"
    reviewer: str

    @property
    def stale(self) -> bool:
        """Return True when the English changed after the Khmer was made."""
        return self.source_sha256 != self.current_sha256


@dataclass(frozen=True, slots=True)
class Lesson:
    """One lesson, rendered once to HTML in both languages."""

    key: str
    module_key: str
    number: int
    title: Text
    html: Text
    minutes: int
    en_words: int
    km_chars: int
    version: str
    translation: Translation
    path_en: str
    path_km: str
    terms: tuple[str, ...] = ()  # glossary keys linked from the lesson, in order
    # Facilitator notes as HTML; trainees never see them.
    notes: Text = Text(km="", en="")
    # The parts a narrator records (content/parts.py), in order.
    parts: tuple = ()


@dataclass(frozen=True, slots=True)
class Module:
    """A module: ordered lessons and one quiz."""

    key: str
    order: int
    title: Text
    summary: Text
    minutes: int
    prerequisites: tuple[str, ...]
    lessons: tuple[Lesson, ...]
    quiz_key: str
    translation: Translation
    path: str

    def lesson(self, key: str) -> Lesson | None:
        """Return the lesson with this key, or None."""
        return next((lesson for lesson in self.lessons if lesson.key == key), None)


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer choice with its explanation."""

    key: str
    text: Text
    explanation: Text


@dataclass(frozen=True, slots=True)
class Question:
    """A question of type single, multiple, truefalse or scenario."""

    key: str
    type: str
    points: float
    correct: frozenset[str]
    text: Text
    scenario: Text | None
    choices: tuple[Choice, ...]

    @property
    def multiple(self) -> bool:
        """Return True when more than one choice may be picked."""
        return self.type == "multiple"

    def choice(self, key: str) -> Choice | None:
        """Return the choice with this key, or None."""
        return next((c for c in self.choices if c.key == key), None)


@dataclass(frozen=True, slots=True)
class Quiz:
    """A module quiz or a track's knowledge test."""

    key: str
    kind: str  # "module" or "knowledge"
    module_key: str | None
    track: str | None
    pass_mark: int | None
    max_attempts: int  # 0 = unlimited
    wait_minutes: int
    multiple_choice: str  # "partial" or "all-or-nothing"
    questions: tuple[Question, ...]
    version: str
    translation: Translation
    path: str

    @property
    def max_points(self) -> float:
        """Return the points of a perfect attempt."""
        return sum(q.points for q in self.questions)


@dataclass(frozen=True, slots=True)
class AttitudeItem:
    """One statement of the attitude survey."""

    key: str
    reverse: bool
    text: Text


@dataclass(frozen=True, slots=True)
class AttitudeSurvey:
    """The attitude survey: statements on a three-point agree scale."""

    key: str
    direction: Text
    scale: tuple[tuple[str, Text], ...]
    items: tuple[AttitudeItem, ...]
    version: str
    translation: Translation
    path: str


@dataclass(frozen=True, slots=True)
class Track:
    """A learning path: required and optional modules in order."""

    key: str
    title: Text
    required: tuple[str, ...]
    optional: tuple[str, ...]
    knowledge_test: str | None


@dataclass(frozen=True, slots=True)
class Term:
    """A glossary term."""

    key: str
    term: Text
    definition: Text


@dataclass(frozen=True, slots=True)
class Criterion:
    """One vetting criterion: automatic (training, attendance) or checked by hand."""

    key: str
    kind: str  # "training", "attendance" or "manual"
    name: Text
    evidence: Text
    min_score: int | None = None
    min_sessions: int | None = None


@dataclass(frozen=True, slots=True)
class VettingCriteria:
    """The versioned criteria that CMG candidates are judged by."""

    version: str
    review_months: int
    criteria: tuple[Criterion, ...]
    translation: Translation
    path: str

    def criterion(self, key: str) -> Criterion | None:
        """Return the criterion with this key, or None."""
        return next((c for c in self.criteria if c.key == key), None)

    @property
    def manual(self) -> tuple[Criterion, ...]:
        """Return the criteria a committee checks by hand."""
        return tuple(c for c in self.criteria if c.kind == "manual")


@dataclass(frozen=True)
class Catalog:
    """Everything the content files hold, loaded once and never changed."""

    modules: tuple[Module, ...]
    quizzes: MappingProxyType
    tracks: tuple[Track, ...]
    glossary: tuple[Term, ...]
    attitude: AttitudeSurvey | None
    vetting: VettingCriteria | None = None
    revision: int = 0  # the reviewers' corrections applied (0: the files as they are)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_modules", MappingProxyType({m.key: m for m in self.modules})
        )
        object.__setattr__(
            self, "_tracks", MappingProxyType({t.key: t for t in self.tracks})
        )
        object.__setattr__(
            self, "_terms", MappingProxyType({t.key: t for t in self.glossary})
        )

    def module(self, key: str) -> Module | None:
        """Return the module with this key, or None."""
        return self._modules.get(key)

    def quiz(self, key: str) -> Quiz | None:
        """Return the quiz with this key, or None."""
        return self.quizzes.get(key)

    def track(self, key: str) -> Track | None:
        """Return the track with this key, or None."""
        return self._tracks.get(key)

    def term(self, key: str) -> Term | None:
        """Return the glossary term with this key, or None."""
        return self._terms.get(key)

    def modules_for_tracks(self, tracks: list[str]) -> list[tuple[Module, bool]]:
        """Return (module, required) for the given tracks, in path order, once each."""
        seen: dict[str, bool] = {}
        for key in tracks:
            track = self.track(key)
            if track is None:
                continue
            for mkey in track.required:
                seen[mkey] = True
            for mkey in track.optional:
                seen.setdefault(mkey, False)
        found = [
            (self._modules[k], req) for k, req in seen.items() if k in self._modules
        ]
        return sorted(found, key=lambda pair: pair[0].order)
