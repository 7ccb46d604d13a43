"""Quiz fairness: each signal that gives an answer away is measured and warned about."""

from types import MappingProxyType

from curriculum.config import ROOT
from curriculum.content import load_catalog
from curriculum.content.fairness import (
    fairness_report,
    fairness_warnings,
    near_duplicates,
    quiz_figures,
)
from curriculum.content.model import Catalog, Choice, Question, Quiz, Text, Translation
from tests.content_factory import run_flask, write_content

FILLER = ("Tell the chief", "Wait a week", "Ask the family", "Call her husband")


def single(key, index, texts=None, qtype="single"):
    """A single-answer item whose key is the choice at index (0 = a)."""
    texts = texts or FILLER
    choices = tuple(
        Choice("abcd"[i], Text(km=t, en=t), Text(km="", en=""))
        for i, t in enumerate(texts)
    )
    return Question(
        key,
        qtype,
        1,
        frozenset({"abcd"[index]}),
        Text(km=key, en=f"Item {key}?"),
        None,
        choices,
    )


def multiple(key, n_correct, n_choices=4):
    choices = tuple(
        Choice("abcd"[i], Text(km="x", en=f"Option {i}"), Text(km="", en=""))
        for i in range(n_choices)
    )
    return Question(
        key,
        "multiple",
        1,
        frozenset("abcd"[:n_correct]),
        Text(km=key, en=f"Pick {key}"),
        None,
        choices,
    )


def truefalse(key, answer):
    choices = tuple(
        Choice(k, Text(km=k, en=k), Text(km="", en="")) for k in ("true", "false")
    )
    return Question(
        key,
        "truefalse",
        1,
        frozenset({answer}),
        Text(km=key, en=f"Claim {key}."),
        None,
        choices,
    )


def quiz(key, questions):
    return Quiz(
        key,
        "module",
        key,
        None,
        70,
        3,
        0,
        "partial",
        tuple(questions),
        "v",
        Translation("h", "h", "draft", ""),
        f"quizzes/{key}.toml",
    )


def catalog(*quizzes):
    return Catalog((), MappingProxyType({q.key: q for q in quizzes}), (), (), None)


def messages(cat):
    return [str(w) for w in fairness_warnings(cat)]


def balanced(key, n=8):
    """A quiz whose keys rotate a-d and are never the longest choice."""
    return quiz(key, [single(f"{key}{i}", i % 4) for i in range(n)])


def test_a_balanced_catalogue_has_no_warnings():
    cat = catalog(
        quiz(
            "one",
            [single(f"s{i}", i % 4) for i in range(8)]
            + [multiple("m1", 2), multiple("m2", 3), multiple("m3", 1)]
            + [truefalse("t1", "true"), truefalse("t2", "false")],
        )
    )
    assert messages(cat) == []


def test_one_key_position_used_too_often_in_a_quiz_is_flagged():
    cat = catalog(
        quiz("skew", [single(f"s{i}", 1 if i < 3 else i % 4) for i in range(6)])
    )
    assert any(
        "skew.toml" in m and "key position b is the key of 4 of 6" in m
        for m in messages(cat)
    )


def test_position_is_not_judged_on_fewer_than_five_items():
    cat = catalog(
        quiz("small", [single(f"s{i}", 1) for i in range(4)]), balanced("big", 40)
    )
    assert not any("small.toml" in m and "key position" in m for m in messages(cat))


def test_a_key_that_is_always_the_longest_choice_is_flagged():
    long = ("Short", "Listen to her in private and ask what she wants", "No", "Wait")
    cat = catalog(quiz("long", [single(f"s{i}", 1, long) for i in range(3)]))
    found = messages(cat)
    assert any("long.toml" in m and "longest choice in 3 of 3" in m for m in found)
    assert any(m.startswith("quizzes/: ") and "longest choice" in m for m in found)


def test_a_tie_for_longest_does_not_count():
    same = ("Four", "Five", "Nine", "Tens")
    assert quiz_figures(quiz("tie", [single("s", 0, same)])).longest == 0


def test_all_but_one_correct_across_quizzes_is_flagged():
    cat = catalog(
        balanced("base", 20),
        quiz("multi", [multiple("m1", 3), multiple("m2", 2), multiple("m3", 3)]),
    )
    found = messages(cat)
    assert any("2 of 3 multiple-select items have all but one" in m for m in found)


def test_every_multiple_item_with_the_same_number_of_keys_is_flagged():
    cat = catalog(
        balanced("base", 20), quiz("same", [multiple(f"m{i}", 2) for i in range(3)])
    )
    assert any(
        "same.toml" in m and "all 3 multiple-select items have 2" in m
        for m in messages(cat)
    )


def test_true_keyed_too_often_is_flagged():
    cat = catalog(
        balanced("base", 20), quiz("tf", [truefalse(f"t{i}", "true") for i in range(4)])
    )
    assert any("'true' is the key of 4 of 4" in m for m in messages(cat))


def test_overall_position_share_is_flagged_when_one_letter_dominates():
    cat = catalog(*[quiz(f"q{n}", [single(f"s{n}", 0)]) for n in range(6)])
    assert any(
        "across all quizzes position a is the key of 6 of 6" in m for m in messages(cat)
    )


def test_near_duplicates_across_quizzes_are_flagged_but_not_within_one():
    text = (
        "A woman tells you her husband hit her",
        "Listen and ask what she wants",
        "Call him",
        "Do nothing",
    )
    a = single("q1", 1, text)
    b = single("q7", 1, text)
    within = quiz("same", [a, b])
    assert near_duplicates(catalog(within)) == []
    cat = catalog(quiz("one", [a]), quiz("two", [b]))
    (found,) = near_duplicates(cat)
    assert found[:4] == ("one", "q1", "two", "q7") and found[4] > 0.9
    assert any(
        "question q1 is a near-duplicate of two question q7" in m for m in messages(cat)
    )


def test_different_items_are_not_near_duplicates():
    a = single("q1", 0, ("Police must come when called", "b", "c", "d"))
    b = single("q2", 0, ("A health worker asks in private", "b", "c", "d"))
    b = Question(
        "q2",
        "single",
        1,
        b.correct,
        Text(km="", en="Where do you ask?"),
        None,
        b.choices,
    )
    assert near_duplicates(catalog(quiz("one", [a]), quiz("two", [b]))) == []


def test_report_lists_every_quiz_and_the_overall_line():
    cat = catalog(balanced("alpha"), balanced("beta"))
    lines = fairness_report(cat)
    assert any(line.startswith("alpha") for line in lines)
    assert any(line.startswith("ALL") for line in lines)
    assert any(line.startswith("overall: key position a=") for line in lines)
    assert any(line.startswith("near-duplicates (ratio >= 0.6): ") for line in lines)


def test_content_check_warns_and_strict_fails_on_an_unfair_quiz(tmp_path):
    tree = write_content(tmp_path)
    plain = run_flask(["content", "check"], tree)
    # The fixture quizzes are tiny and identical: their items are near-duplicates.
    assert plain.returncode == 0, plain.stderr
    assert "near-duplicate" in plain.stderr and "quiz-fairness warning" in plain.stderr
    strict = run_flask(["content", "check", "--strict"], tree)
    assert strict.returncode == 1
    report = run_flask(["content", "fairness"], tree)
    assert report.returncode == 0 and "ALL" in report.stdout


def test_the_real_quizzes_pass_the_fairness_checks():
    cat = load_catalog(ROOT, ROOT / "modules", ROOT / "quizzes", lambda k: k)
    assert messages(cat) == []
