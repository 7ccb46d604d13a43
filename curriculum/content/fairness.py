"""Quiz fairness: signals that give the answer away, measured on the English text.

A trainee who guesses "the longest answer", "always b" or "all but one" should gain
nothing, and a pre/post knowledge test must not repeat a module quiz's items. The
figures here are printed by `flask content fairness`; the warnings by
`flask content check` (which fails on them only with --strict).

Thresholds (issue 16, points 5 and 6):

- key position, per quiz: no position is the key of more than 40% of its single-answer
  items (single or scenario, 3+ choices), checked when the quiz has 5+ such items;
  across all quizzes each position a-d is the key of 15%-35% of the items that have it;
- longest option: the key is the strictly longest choice (characters) in at most 50% of a
  quiz's single-answer items and at most 30% across all quizzes;
- multiple select: across all quizzes at most 40% of items have all but one option
  correct; a quiz with 3+ such items does not give them all the same number of keys;
- true/false: "true" is the key of 35%-65% of true/false items across all quizzes;
- near-duplicates: two questions of different quizzes whose question plus keyed choice
  text (lowercased, spaces collapsed) have a difflib ratio of 0.6 or more.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations

from curriculum.content.model import Catalog, Question, Quiz

POSITIONS = "abcd"
MAX_POSITION_SHARE_QUIZ = 0.40
MIN_ITEMS_FOR_POSITION = 5
POSITION_SHARE_ALL = (0.15, 0.35)
MAX_LONGEST_SHARE_QUIZ = 0.50
MAX_LONGEST_SHARE_ALL = 0.30
MAX_ALL_BUT_ONE_SHARE = 0.40
MIN_MULTIPLE_FOR_SPREAD = 3
TRUE_SHARE_ALL = (0.35, 0.65)
NEAR_DUPLICATE_RATIO = 0.6


@dataclass(frozen=True)
class FairnessWarning:
    """One signal past its threshold, in a quiz file or across all quizzes."""

    path: str  # the quiz file, or "quizzes/" for figures across all quizzes
    message: str

    def __str__(self) -> str:
        return f"{self.path}: warning: {self.message}"


@dataclass
class Figures:
    """The measured signals of one quiz, or of all quizzes together."""

    single: int = 0  # single-answer items with 3+ choices
    positions: Counter = field(default_factory=Counter)  # key position -> items
    having: Counter = field(default_factory=Counter)  # position -> items with it
    longest: int = 0  # items whose key is the strictly longest choice
    multiple: int = 0
    all_but_one: int = 0
    key_counts: Counter = field(default_factory=Counter)  # keys per multiple item
    truefalse: int = 0
    true_keyed: int = 0

    def add(self, other: "Figures") -> None:
        """Add another quiz's counts to these."""
        for name in ("single", "longest", "multiple", "all_but_one"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.truefalse += other.truefalse
        self.true_keyed += other.true_keyed
        self.positions.update(other.positions)
        self.having.update(other.having)
        self.key_counts.update(other.key_counts)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _is_single(question: Question) -> bool:
    return question.type in ("single", "scenario") and len(question.choices) >= 3


def quiz_figures(quiz: Quiz) -> Figures:
    """Return the signals of one quiz."""
    fig = Figures()
    for q in quiz.questions:
        if _is_single(q) and len(q.correct) == 1:
            (key,) = q.correct
            index = next(i for i, c in enumerate(q.choices) if c.key == key)
            fig.single += 1
            fig.positions[POSITIONS[index] if index < 4 else "e+"] += 1
            fig.having.update(POSITIONS[: len(q.choices)])
            lengths = [len(c.text.en) for c in q.choices]
            others = lengths[:index] + lengths[index + 1 :]
            fig.longest += lengths[index] > max(others)
        elif q.type == "multiple":
            fig.multiple += 1
            fig.all_but_one += len(q.correct) == len(q.choices) - 1
            fig.key_counts[len(q.correct)] += 1
        elif q.type == "truefalse":
            fig.truefalse += 1
            fig.true_keyed += "true" in q.correct
    return fig


def all_figures(catalog: Catalog) -> tuple[dict[str, Figures], Figures]:
    """Return the figures per quiz (by key) and across all quizzes."""
    per_quiz = {key: quiz_figures(q) for key, q in sorted(catalog.quizzes.items())}
    total = Figures()
    for fig in per_quiz.values():
        total.add(fig)
    return per_quiz, total


def _outside(part: int, whole: int, low: float, high: float) -> str | None:
    """Return "(share, limits)" when part/whole lies outside [low, high], else None."""
    share = _share(part, whole)
    if low <= share <= high:
        return None
    limits = f"at most {_pct(high)}" if low == 0 else f"{_pct(low)}-{_pct(high)}"
    return f"({_pct(share)}, {limits})"


def _quiz_warnings(path: str, fig: Figures) -> list[FairnessWarning]:
    found = []
    if fig.single >= MIN_ITEMS_FOR_POSITION:
        pos, count = max(sorted(fig.positions.items()), key=lambda kv: kv[1])
        off = _outside(count, fig.single, 0, MAX_POSITION_SHARE_QUIZ)
        if off:
            found.append(
                f"key position {pos} is the key of {count} of {fig.single} "
                f"single-answer items {off}"
            )
    off = _outside(fig.longest, fig.single, 0, MAX_LONGEST_SHARE_QUIZ)
    if off:
        found.append(
            f"the key is the longest choice in {fig.longest} of {fig.single} "
            f"single-answer items {off}"
        )
    if fig.multiple >= MIN_MULTIPLE_FOR_SPREAD and len(fig.key_counts) == 1:
        (n,) = fig.key_counts
        found.append(
            f"all {fig.multiple} multiple-select items have {n} correct options "
            "(vary the number)"
        )
    return [FairnessWarning(path, message) for message in found]


def _overall_warnings(total: Figures) -> list[FairnessWarning]:
    found = []
    for pos in POSITIONS:
        off = total.having[pos] and _outside(
            total.positions[pos], total.having[pos], *POSITION_SHARE_ALL
        )
        if off:
            found.append(
                f"position {pos} is the key of {total.positions[pos]} of "
                f"{total.having[pos]} items that have it {off}"
            )
    off = _outside(total.longest, total.single, 0, MAX_LONGEST_SHARE_ALL)
    if off:
        found.append(
            f"the key is the longest choice in {total.longest} of {total.single} "
            f"single-answer items {off}"
        )
    off = _outside(total.all_but_one, total.multiple, 0, MAX_ALL_BUT_ONE_SHARE)
    if off:
        found.append(
            f"{total.all_but_one} of {total.multiple} multiple-select items have all "
            f"but one option correct {off}"
        )
    off = total.truefalse and _outside(
        total.true_keyed, total.truefalse, *TRUE_SHARE_ALL
    )
    if off:
        found.append(
            f"'true' is the key of {total.true_keyed} of {total.truefalse} "
            f"true/false items {off}"
        )
    return [FairnessWarning("quizzes/", f"across all quizzes {m}") for m in found]


def _normalised(question: Question) -> str:
    keyed = [c.text.en for c in question.choices if c.key in question.correct]
    text = " ".join([question.text.en, *keyed]).lower()
    return re.sub(r"\s+", " ", text).strip()


def near_duplicates(catalog: Catalog) -> list[tuple[str, str, str, str, float]]:
    """Return (quiz, question, other quiz, other question, ratio) of near-duplicates."""
    items = [
        (quiz.key, q.key, _normalised(q))
        for quiz in sorted(catalog.quizzes.values(), key=lambda z: z.key)
        for q in quiz.questions
    ]
    found = []
    for (qa, ka, ta), (qb, kb, tb) in combinations(items, 2):
        if qa == qb:
            continue
        matcher = SequenceMatcher(None, ta, tb, autojunk=False)
        if matcher.real_quick_ratio() < NEAR_DUPLICATE_RATIO:
            continue
        if matcher.quick_ratio() < NEAR_DUPLICATE_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= NEAR_DUPLICATE_RATIO:
            found.append((qa, ka, qb, kb, ratio))
    return found


def fairness_warnings(catalog: Catalog) -> list[FairnessWarning]:
    """Return every fairness and near-duplicate warning of the catalogue's quizzes."""
    per_quiz, total = all_figures(catalog)
    out = []
    for key, fig in per_quiz.items():
        out.extend(_quiz_warnings(catalog.quizzes[key].path, fig))
    out.extend(_overall_warnings(total))
    for qa, ka, qb, kb, ratio in near_duplicates(catalog):
        out.append(
            FairnessWarning(
                catalog.quizzes[qa].path,
                f"question {ka} is a near-duplicate of {qb} question {kb} "
                f"(similarity {ratio:.2f}, flagged from {NEAR_DUPLICATE_RATIO})",
            )
        )
    return out


def _row(name: str, fig: Figures) -> str:
    positions = " ".join(
        f"{p}={fig.positions[p]}/{fig.having[p]}" for p in POSITIONS if fig.having[p]
    )
    counts = ",".join(f"{n}:{c}" for n, c in sorted(fig.key_counts.items()))
    return (
        f"{name:<20} {fig.single:>6} {positions:<27} "
        f"{fig.longest:>3}/{fig.single:<3} {_pct(_share(fig.longest, fig.single)):>4}  "
        f"{fig.all_but_one:>2}/{fig.multiple:<2} [{counts}]  "
        f"{fig.true_keyed}/{fig.truefalse}"
    )


def fairness_report(catalog: Catalog) -> list[str]:
    """Return the figures per quiz and overall as lines of text, then the near-duplicates."""
    per_quiz, total = all_figures(catalog)
    lines = [
        f"{'quiz':<20} {'single':>6} {'key position (keyed/items with it)':<27} "
        "longest key    all-but-one [keys:items]  true/tf",
    ]
    lines += [_row(key, fig) for key, fig in per_quiz.items()]
    lines.append(_row("ALL", total))
    shares = " ".join(
        f"{p}={_pct(_share(total.positions[p], total.having[p]))}"
        for p in POSITIONS
        if total.having[p]
    )
    lines.append(
        f"overall: key position {shares}; longest key "
        f"{_pct(_share(total.longest, total.single))}; all-but-one "
        f"{_pct(_share(total.all_but_one, total.multiple))}; true "
        f"{_pct(_share(total.true_keyed, total.truefalse))}"
    )
    dups = near_duplicates(catalog)
    lines.append(f"near-duplicates (ratio >= {NEAR_DUPLICATE_RATIO}): {len(dups)}")
    lines += [f"  {qa} {ka} ~ {qb} {kb} ({r:.2f})" for qa, ka, qb, kb, r in dups]
    return lines
