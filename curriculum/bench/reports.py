"""Time the report pages cold and warm against a database (issue 18: < 300 ms cold).

`run_reports(env)` opens the app on env["DATABASE_URL"], signs a test client in as an
admin and, for each page, times the worker's first request of it (first: Jinja
compiles the page's templates, which a worker does once in its life), then clears
the report cache and the session and times a request again (cold: every figure
computed from the database, the target) and then the mean of a few more (warm: the
worker's cache). `python -m curriculum.bench.reports` prints the table.
"""

import os
import sys
import time

from sqlalchemy import select

TARGET_MS = 300
PAGES = (
    ("overview", "/reports/"),
    ("learning", "/reports/learning"),
    ("attitude", "/reports/attitude"),
    ("cmg", "/reports/cmg"),
)
WARM_REPEATS = 5


def _timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def run_reports(env: dict) -> list[dict]:
    """Return one row per page: {page, first_ms, cold_ms, warm_ms, target_ms, met}."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    try:
        from curriculum.app import create_app
        from curriculum.extensions import db
        from curriculum.models import User
        from curriculum.services.reports.filters import clear_cache

        app = create_app()
        app.config["REPORT_CACHE_SECONDS"] = max(
            app.config.get("REPORT_CACHE_SECONDS", 0), 120
        )
        rows = []
        with app.app_context():
            admin = db.session.scalar(
                select(User).where(User.role == "admin", User.active.is_(True)).limit(1)
            )
            if admin is None:
                raise RuntimeError("no admin account: run flask demo first")
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = admin.session_token
                session["_fresh"] = True
            client.get("/")  # the first request pays the app's own start-up
            for page, url in PAGES:
                clear_cache()
                db.session.remove()
                first = _timed(client, url)
                clear_cache()
                db.session.remove()
                cold = _timed(client, url)
                warm = sum(_timed(client, url) for _ in range(WARM_REPEATS))
                rows.append(
                    {
                        "page": page,
                        "first_ms": round(first, 1),
                        "cold_ms": round(cold, 1),
                        "warm_ms": round(warm / WARM_REPEATS, 1),
                        "target_ms": TARGET_MS,
                        "met": cold < TARGET_MS,
                    }
                )
            db.session.remove()
            db.engine.dispose()
        return rows
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def main() -> int:
    """Print the table for the database in DATABASE_URL."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("set DATABASE_URL", file=sys.stderr)
        return 2
    rows = run_reports({"DATABASE_URL": url})
    print(
        f"{'page':<10} {'first ms':>8} {'cold ms':>8} {'warm ms':>8} {'target':>7}  met"
    )
    for row in rows:
        print(
            f"{row['page']:<10} {row['first_ms']:>8} {row['cold_ms']:>8} "
            f"{row['warm_ms']:>8} "
            f"{row['target_ms']:>7}  {'met' if row['met'] else 'NOT MET'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
