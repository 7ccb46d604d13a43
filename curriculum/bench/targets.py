"""Targets for the bench's page figures, and "met" / "not met" against them.

A target is (label, Result attribute, ">=" or "<", limit). `check` compares measured
results with a {page: targets} table and `print_checks` prints the verdicts; any page's
targets can use them (the committee queue's too).
"""

from collections.abc import Iterable

# Issue 18: a faster lesson and submit path (2 cores, 5 workers, 20 connections).
LESSON_AND_QUIZ = {
    "lesson": (
        ("requests/s", "requests_per_second", ">=", 600),
        ("p95 ms", "p95_ms", "<", 50),
    ),
    "trainee home": (("requests/s", "requests_per_second", ">=", 400),),
    "quiz page": (("requests/s", "requests_per_second", ">=", 400),),
    "quiz submit": (
        ("pairs/s", "requests_per_second", ">=", 300),
        ("p95 ms", "p95_ms", "<", 100),
    ),
}


def met(value: float, op: str, limit: float) -> bool:
    """Return True when a measured value meets its target."""
    if op == ">=":
        return value >= limit
    if op == "<":
        return value < limit
    raise ValueError(f"unknown comparison {op!r}")


def check(results: Iterable, targets: dict) -> list[dict]:
    """Compare each measured page that has targets with them, in the table's order."""
    by_page = {r.page: r for r in results}
    out = []
    for page, figures in targets.items():
        result = by_page.get(page)
        if result is None:
            continue
        for label, attr, op, limit in figures:
            value = getattr(result, attr)
            out.append(
                {
                    "page": page,
                    "figure": label,
                    "value": value,
                    "target": f"{op} {limit}",
                    "met": met(value, op, limit),
                }
            )
    return out


def print_checks(checks: list[dict], title: str = "") -> None:
    """Print each figure with its target and "met" or "not met"."""
    if not checks:
        return
    print(f"\n{title}" if title else "")
    print(f"{'page':<16}{'figure':<12}{'value':>9}  {'target':<9} verdict")
    for c in checks:
        verdict = "met" if c["met"] else "not met"
        print(
            f"{c['page']:<16}{c['figure']:<12}{c['value']:>9.1f}  "
            f"{c['target']:<9} {verdict}"
        )
