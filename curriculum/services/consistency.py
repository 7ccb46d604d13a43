"""Spelling variants across the curriculum, for reviewers to settle each once.

Two spellings count as variants when they differ only by a known alternation: the
subscript ដ or ត (ប្ដី / ប្តី), or a pair the curriculum lists (ឲ្យ / ឱ្យ). Each variant
shows how often each form appears and where, so a reviewer corrects the rare form.
"""

import re
from collections import Counter
from dataclasses import dataclass

from curriculum.content.items import Item
from curriculum.content.spelling import SPELLINGS

# A written syllable: a consonant or independent vowel, its subscripts, its vowels
# and signs.
CLUSTER_RE = re.compile(
    r"[\u1780-\u17b3](?:\u17d2[\u1780-\u17b3])*[\u17b4-\u17d1\u17d3\u17dd]*"
)
SUBSCRIPT_DA, SUBSCRIPT_TA = "\u17d2\u178a", "\u17d2\u178f"
PAIRS = tuple((typed, right) for typed, right in SPELLINGS if len(typed) > 0)


@dataclass(frozen=True)
class Variant:
    """One word written in more than one way: each form, how often, and where."""

    forms: tuple[tuple[str, int], ...]  # most frequent first
    where: dict[str, tuple[tuple[str, str], ...]]  # form -> (item key, word), a few


def _key(cluster: str) -> str:
    return cluster.replace(SUBSCRIPT_DA, SUBSCRIPT_TA)


def variants(items: list[Item], limit: int = 5) -> list[Variant]:
    """Return the words spelled in more than one way, most widespread first."""
    counts: dict[str, Counter] = {}
    where: dict[str, dict[str, list[tuple[str, str]]]] = {}

    def note(key: str, form: str, item_key: str, word: str) -> None:
        counts.setdefault(key, Counter())[form] += 1
        places = where.setdefault(key, {}).setdefault(form, [])
        if len(places) < limit and all(k != item_key for k, _w in places):
            places.append((item_key, word[:40]))

    for item in items:
        for word in item.km.split():
            for cluster in CLUSTER_RE.findall(word):
                if SUBSCRIPT_DA in cluster or SUBSCRIPT_TA in cluster:
                    note(_key(cluster), cluster, item.key, word)
            for typed, right in PAIRS:
                for form in (typed, right):
                    for _ in range(word.count(form)):
                        note(f"pair:{right}", form, item.key, word)
    found = []
    for key, forms in counts.items():
        if len(forms) < 2:
            continue
        found.append(
            Variant(
                forms=tuple(forms.most_common()),
                where={form: tuple(where[key][form]) for form in forms},
            )
        )
    return sorted(found, key=lambda v: -sum(n for _f, n in v.forms))
