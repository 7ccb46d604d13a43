"""Grading is a pure function of (quiz, answers): each question type and the pass mark."""

from fractions import Fraction

import pytest

from curriculum.content.model import Choice, Question, Quiz, Text, Translation
from curriculum.services.grading import grade, score_question

T = Text("ក", "x")


def q(key, qtype="single", correct=("a",), keys=("a", "b", "c", "d"), points=1):
    if qtype == "truefalse":
        keys = ("true", "false")
    return Question(
        key=key,
        type=qtype,
        points=points,
        correct=frozenset(correct),
        text=T,
        scenario=T if qtype == "scenario" else None,
        choices=tuple(Choice(k, T, T) for k in keys),
    )


def quiz(questions, pass_mark=70, rule="partial"):
    tr = Translation("h", "h", "draft", "")
    return Quiz(
        "k", "module", "m", None, pass_mark, 3, 0, rule, tuple(questions), "v", tr, "p"
    )


@pytest.mark.parametrize("qtype", ["single", "scenario"])
def test_single_answer_questions_score_only_the_right_choice(qtype):
    question = q("q1", qtype)
    assert score_question(question, ["a"], "partial").correct
    assert score_question(question, ["b"], "partial").score == 0
    assert score_question(question, [], "partial").score == 0
    # Two picks on a one-answer question never score, even if one is right.
    assert score_question(question, ["a", "b"], "partial").score == 0


def test_true_false_scores_the_right_value():
    question = q("q1", "truefalse", correct=("false",))
    assert score_question(question, ["false"], "partial").correct
    assert score_question(question, ["true"], "partial").score == 0


def test_multiple_choice_partial_credit_is_right_minus_wrong_over_right():
    question = q("q1", "multiple", correct=("a", "b", "c"))
    assert score_question(question, ["a", "b", "c"], "partial").score == 1
    assert score_question(question, ["a", "b"], "partial").score == Fraction(2, 3)
    assert score_question(question, ["a", "b", "d"], "partial").score == Fraction(1, 3)
    assert score_question(question, ["a", "d"], "partial").score == 0
    assert score_question(question, ["d"], "partial").score == 0  # never below zero


def test_multiple_choice_all_or_nothing_needs_the_exact_set():
    question = q("q1", "multiple", correct=("a", "b"))
    assert score_question(question, ["a", "b"], "all-or-nothing").score == 1
    assert score_question(question, ["a"], "all-or-nothing").score == 0
    assert score_question(question, ["a", "b", "c"], "all-or-nothing").score == 0


def test_unknown_choice_keys_count_as_wrong_picks():
    question = q("q1", "multiple", correct=("a", "b"))
    assert score_question(question, ["a", "b", "zzz"], "partial").score == Fraction(
        1, 2
    )


def test_points_weight_questions():
    result = grade(quiz([q("q1", points=3), q("q2")]), {"q1": ["a"], "q2": ["b"]})
    assert result.score == 3 and result.max_score == 4
    assert result.percent == 75.0


@pytest.mark.parametrize(
    ("right", "total", "mark", "passed"),
    [
        (7, 10, 70, True),  # exactly on the pass mark passes
        (6, 10, 70, False),
        (10, 10, 100, True),
        (9, 10, 100, False),
        (2, 3, 67, False),  # 66.67% is below 67%
        (2, 3, 66, True),
        (0, 10, 1, False),
    ],
)
def test_pass_mark_boundaries(right, total, mark, passed):
    questions = [q(f"q{i}") for i in range(total)]
    answers = {f"q{i}": ["a"] if i < right else ["b"] for i in range(total)}
    assert grade(quiz(questions, pass_mark=mark), answers).passed is passed


def test_partial_credit_near_the_boundary_uses_exact_arithmetic():
    # 6 right + 2/3 of a multiple-choice question = 6.667 of 10 points, under 70%.
    questions = [q(f"q{i}") for i in range(9)] + [q("m", "multiple", ("a", "b", "c"))]
    answers = {f"q{i}": ["a"] if i < 6 else ["b"] for i in range(9)}
    answers["m"] = ["a", "b"]
    result = grade(quiz(questions), answers)
    assert result.score == 6 + Fraction(2, 3)
    assert result.passed is False


def test_missing_answers_score_zero():
    result = grade(quiz([q("q1"), q("q2")]), {"q1": ["a"]})
    assert result.score == 1
    assert [r.correct for r in result.questions] == [True, False]


def test_knowledge_tests_are_never_pass_or_fail():
    result = grade(quiz([q("q1")], pass_mark=None), {"q1": ["a"]})
    assert result.passed is None
