"""Targets for the bench's figures, and "met" / "not met" against them.

A target is (label, attribute or key, ">=", "<" or "<=", limit). `check` compares
measured results (Result objects or dicts, each with its "page") with a {page: targets}
table and `print_checks` prints the verdicts. ISSUE_18 is every table of issue 18, in
the order `make bench` prints them in its last table (also in bench.json's "targets").
"""

from collections.abc import Iterable

# Issue 18: the committee queue stays fast and light however many candidates there are.
COMMITTEE_QUEUE = {
    "committee queue": (
        ("requests/s", "requests_per_second", ">=", 200),
        ("p95 ms", "p95_ms", "<", 100),
        ("HTML bytes", "bytes_uncompressed", "<", 30_000),
    ),
}

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


# Issue 18: a lesson's first visit in Lighthouse's mobile preset (curriculum/bench/lighthouse.py).
FIRST_VISIT_PAGE = "first visit"  # of a lesson, on a phone
FIRST_VISIT = {
    FIRST_VISIT_PAGE: (
        ("LCP ms", "lcp_ms", "<=", 1000),
        ("bytes", "bytes", "<=", 45_000),
        ("requests", "requests", "<=", 5),
    ),
}

# Issue 18: two instances behind nginx against one (curriculum/bench/cluster.py).
TWO_INSTANCES_PAGE = "two instances"  # the lesson through nginx
TWO_INSTANCES = {
    TWO_INSTANCES_PAGE: (("x one inst.", "ratio", ">=", 1.6),),
}

# Issue 18: cold national reports < 300 ms on PostgreSQL (curriculum/bench/reports.py).
REPORTS = {
    f"{page} report": (("cold ms", "cold_ms", "<", 300),)
    for page in ("overview", "learning", "attitude", "cmg")
}

ISSUE_18 = (COMMITTEE_QUEUE, LESSON_AND_QUIZ, REPORTS, FIRST_VISIT, TWO_INSTANCES)


def met(value: float, op: str, limit: float) -> bool:
    """Return True when a measured value meets its target."""
    if op == ">=":
        return value >= limit
    if op == "<":
        return value < limit
    if op == "<=":
        return value <= limit
    raise ValueError(f"unknown comparison {op!r}")


def check(results: Iterable, targets: dict, missing: str = "") -> list[dict]:
    """Compare each measured page that has targets with them, in the table's order.

    A page not measured is left out, or, given `missing` (why), listed as not measured.
    """
    by_page = {r["page"] if isinstance(r, dict) else r.page: r for r in results}
    out = []
    for page, figures in targets.items():
        result = by_page.get(page)
        if result is None:
            out.extend(
                {
                    "page": page,
                    "figure": label,
                    "value": None,
                    "target": f"{op} {limit}",
                    "met": None,
                    "why": missing,
                }
                for label, _attr, op, limit in figures
                if missing
            )
            continue
        for label, attr, op, limit in figures:
            value = result[attr] if isinstance(result, dict) else getattr(result, attr)
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
        if c["met"] is None:
            value, verdict = "-", f"not measured: {c['why']}"
        else:
            value = f"{c['value']:.{2 if abs(c['value']) < 10 else 1}f}"
            verdict = "met" if c["met"] else "not met"
        print(f"{c['page']:<16}{c['figure']:<12}{value:>9}  {c['target']:<9} {verdict}")
