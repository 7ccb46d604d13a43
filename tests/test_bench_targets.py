"""The bench's targets: each figure is printed against its target, met or not met."""

from curriculum.bench.load import Result
from curriculum.bench.targets import LESSON_AND_QUIZ, check, met, print_checks


def _result(page, rps, p95):
    return Result(page, "/", rps, 1.0, p95, 0, 1, 100, 50, "python")


def test_each_figure_is_met_or_not_met(capsys):
    results = [
        _result("lesson", 600, 49.9),
        _result("trainee home", 399, 10),
        _result("quiz page", 400, 10),
        _result("quiz submit", 300, 100),
        _result("report page", 1, 1000),  # no target: not listed
    ]
    checks = check(results, LESSON_AND_QUIZ)
    verdicts = {(c["page"], c["figure"]): c["met"] for c in checks}
    assert verdicts == {
        ("lesson", "requests/s"): True,
        ("lesson", "p95 ms"): True,
        ("trainee home", "requests/s"): False,
        ("quiz page", "requests/s"): True,
        ("quiz submit", "pairs/s"): True,
        ("quiz submit", "p95 ms"): False,  # under 100 ms, not at 100
    }
    print_checks(checks, "Targets:")
    out = capsys.readouterr().out
    assert "trainee home    requests/s      399.0  >= 400    not met" in out
    assert "lesson          p95 ms           49.9  < 50      met" in out


def test_a_page_not_measured_is_left_out():
    assert (
        check([_result("lesson", 1, 1)], {"quiz page": LESSON_AND_QUIZ["quiz page"]})
        == []
    )
    assert met(1, ">=", 1) and not met(1, "<", 1)
