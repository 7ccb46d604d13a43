"""Run the benchmark: `python -m curriculum.bench` (see the package docstring)."""

import argparse
import json
import os
import shutil
import threading
from dataclasses import asdict

from curriculum.bench.cluster import print_cluster, run_cluster
from curriculum.bench.lighthouse import print_first_visit, run_first_visit
from curriculum.bench.load import (
    Browser,
    Result,
    get_request,
    in_process,
    python_load,
    quiz_submit_request,
    wrk,
)
from curriculum.bench.offline import print_table, run_offline
from curriculum.bench.reports import run_reports
from curriculum.bench.server import (
    exists,
    flask,
    free_port,
    prepare,
    sqlalchemy_url,
    start_gunicorn,
    synthetic_count,
)
from curriculum.bench.targets import (
    COMMITTEE_QUEUE,
    FIRST_VISIT_PAGE,
    ISSUE_18,
    LESSON_AND_QUIZ,
    REPORTS,
    TWO_INSTANCES_PAGE,
    check,
    print_checks,
)
from curriculum.config import ROOT


def main() -> None:
    """Run the benchmark and print and save the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m curriculum.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--scale", type=int, default=int(os.environ.get("BENCH_SCALE", 10000))
    )
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10))
    )
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--instances",
        type=int,
        choices=(1, 2),
        default=int(os.environ.get("BENCH_INSTANCES", 0)) or None,
        help="2: also measure the lesson on two instances behind nginx (installs nginx"
        " when missing; PostgreSQL only). Default: 2 on PostgreSQL when nginx is here",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", 2)),
        help="times each set-up of the nginx comparison is measured, in turn",
    )
    parser.add_argument(
        "--lighthouse-runs",
        type=int,
        default=int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", 2)),
        help="Lighthouse runs of a lesson's first visit (0: none)",
    )
    parser.add_argument(
        "--offline-only",
        action="store_true",
        help="measure only the offline figures (no load on the pages)",
    )
    args = parser.parse_args()

    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'bench.sqlite3'}")
    env["SECRET_KEY"] = env.get("SECRET_KEY") or "bench-secret-key-not-for-production"
    report = measure(env, args)
    (instance / "bench.json").write_text(json.dumps(report, indent=2))
    print_report(report)
    print(
        f"\n{report['database']}, {os.cpu_count()} cores, {args.workers} workers; "
        f"written to {instance / 'bench.json'}"
    )


def measure(env: dict, args) -> dict:
    """Serve the synthetic data set and measure everything; return the report."""
    database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    external = os.environ.get("BENCH_URLS", "").split()
    servers = []
    if not external:
        print(f"Preparing synthetic trainees on {database}...")
        prepare(env, args.scale)
        port = free_port()
        servers.append(start_gunicorn(env, port, args.workers))
        bases = [f"http://127.0.0.1:{port}"]
    else:
        bases = external
    lesson = lesson_path()
    first_visit, cluster, why_reports = {}, {}, "not run"
    try:
        results = [] if args.offline_only else run_pages(env, bases, args)
        if not args.offline_only and args.lighthouse_runs:
            print("Measuring a lesson's first visit on a phone (Lighthouse)...")
            browser = Browser(bases[0])
            browser.sign_in(*trainee_login(env))
            first_visit = run_first_visit(
                bases[0], lesson, browser.cookie_header(), args.lighthouse_runs
            )
        print("Measuring offline mode...")
        offline = run_offline(env, bases[0])
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    if not args.offline_only and not external and args.instances != 1:
        print("Measuring the lesson on two instances behind nginx...")
        try:
            cluster = run_cluster(env, trainee_login(env), lesson, args)
        except RuntimeError as error:  # nginx would not start: say so, keep the rest
            cluster = {"skipped": f"failed: {error}"}
    reports = []
    if not args.offline_only:
        print("Timing the reports cold (curriculum/bench/reports.py)...")
        try:
            reports = [
                dict(row, page=f"{row['page']} report") for row in run_reports(env)
            ]
        except RuntimeError as error:  # no admin account, a page not 200: say so
            why_reports = f"failed: {error}"
    measured = [*results, *reports]
    if first_visit and "skipped" not in first_visit:
        measured.append({"page": FIRST_VISIT_PAGE, **first_visit})
    if cluster and "skipped" not in cluster:
        measured.append({"page": TWO_INSTANCES_PAGE, **cluster})
    why = {
        next(iter(REPORTS)): why_reports,
        FIRST_VISIT_PAGE: first_visit.get("skipped", "not run"),
        TWO_INSTANCES_PAGE: cluster.get("skipped", "not run"),
    }
    targets = [
        row
        for table in ISSUE_18
        for row in check(measured, table, why.get(next(iter(table)), "not run"))
    ]
    return {
        "database": database,
        "scale": synthetic_count(env),
        "cores": os.cpu_count(),
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "instances": len(bases),
        "pages": [asdict(r) for r in results],
        "offline": offline,
        "first_visit": first_visit,
        "two_instances": cluster,
        "reports": reports,
        "committee_queue_targets": check(results, COMMITTEE_QUEUE),
        "lesson_and_quiz_targets": check(results, LESSON_AND_QUIZ),
        "targets": targets,
    }


def print_report(report: dict) -> None:
    """Print the page table, the offline, first-visit and nginx figures, the targets."""
    results = report["pages"]
    if results:
        print(
            f"\n{'page':<16}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'err':>5}{'SQL':>5}"
            f"{'bytes':>8}{'br':>7}  tool"
        )
    for r in results:
        print(
            f"{r['page']:<16}{r['requests_per_second']:>8.0f}{r['p50_ms']:>8.1f}"
            f"{r['p95_ms']:>8.1f}{r['errors']:>5}{r['sql_statements']:>5}"
            f"{r['bytes_uncompressed']:>8}{r['bytes_compressed']:>7}  {r['tool']}"
        )
    print_table(report["offline"])
    print_first_visit(report["first_visit"])
    print_cluster(report["two_instances"])
    print_checks(
        report["targets"],
        'Targets of issue 18 (all figures; also in bench.json\'s "targets"):',
    )


def trainee_login(env: dict) -> tuple[str, str]:
    """The first synthetic trainee and the synthetic password."""
    from sqlalchemy import create_engine, text

    from curriculum.services.synthetic import PASSWORD

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        trainee = conn.execute(
            text(
                "SELECT username FROM users WHERE username LIKE 'syn-%' ORDER BY id LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    return trainee, PASSWORD


def lesson_path() -> str:
    """The first lesson of the first module: the page the lesson figures are of."""
    from curriculum.config import Config
    from curriculum.content import load_catalog, term_anchor

    catalog = load_catalog(
        Config.ROOT, Config.MODULES_DIR, Config.QUIZZES_DIR, term_anchor
    )
    module = catalog.modules[0]
    return f"/learn/{module.key}/{module.lessons[0].key}"


def run_pages(env: dict, bases: list[str], args) -> list[Result]:
    """Sign in, then load each key page in turn."""
    trainee, password = trainee_login(env)
    committee_pw = admin_pw = "bench-password-123"  # noqa: S105
    flask(
        [
            "users",
            "create",
            "bench.committee",
            "--name",
            "Bench",
            "--role",
            "committee",
            "--province",
            "15",
            "--password",
            committee_pw,
        ],
        env,
    ) if not exists(env, "bench.committee") else None
    flask(
        [
            "users",
            "create",
            "bench.admin",
            "--name",
            "Bench",
            "--role",
            "admin",
            "--password",
            admin_pw,
        ],
        env,
    ) if not exists(env, "bench.admin") else None
    users = {
        "trainee": (trainee, password),
        "committee": ("bench.committee", committee_pw),
        "admin": ("bench.admin", admin_pw),
    }
    from curriculum.config import Config
    from curriculum.content import load_catalog, term_anchor

    catalog = load_catalog(
        Config.ROOT, Config.MODULES_DIR, Config.QUIZZES_DIR, term_anchor
    )
    module = catalog.modules[0]
    quiz = catalog.quiz(module.quiz_key)
    pages = {
        "trainee home": ("/learn/", "trainee"),
        "lesson": (f"/learn/{module.key}/{module.lessons[0].key}", "trainee"),
        "quiz page": (f"/quiz/{quiz.key}", "trainee"),
        "committee queue": ("/committee/", "committee"),
        "report page": ("/reports/", "admin"),
    }
    measured = in_process(env, pages, users)
    results = []
    base = bases[0]
    browsers = {}
    for who, (name, password) in users.items():
        browsers[who] = Browser(base)
        browsers[who].sign_in(name, password)
    tool = "wrk" if shutil.which("wrk") and len(bases) == 1 else "python"
    for name, (path, who) in pages.items():
        cookie = browsers[who].cookie_header()
        if tool == "wrk":
            load = wrk(base, path, cookie, args.seconds, args.connections)
        else:
            load = python_load(
                base, get_request(path, cookie), args.seconds, args.connections
            )
        sql, plain, packed = measured[name]
        results.append(
            Result(
                name,
                path,
                load["rps"],
                load["p50"],
                load["p95"],
                load["errors"],
                sql,
                plain,
                packed,
                tool,
            )
        )
        print(f"  {name}: {load['rps']:.0f} req/s")
    answers = "&".join(
        f"q-{q.key}={k}" for q in quiz.questions for k in sorted(q.correct)
    )
    submitters = sign_in_many(base, env, quiz.key, 500)
    submitter = quiz_submit_request(
        submitters, f"/quiz/{quiz.key}", answers, quiz.max_attempts or 50
    )
    load = python_load(base, submitter, args.seconds, args.connections)
    results.append(
        Result(
            "quiz submit",
            f"/quiz/{quiz.key}",
            load["rps"],
            load["p50"],
            load["p95"],
            load["errors"],
            0,
            0,
            0,
            "python (GET+POST)",
        )
    )
    return results


def sign_in_many(base: str, env: dict, quiz_key: str, count: int) -> list[Browser]:
    """Sign in synthetic trainees who have not taken a quiz yet, in parallel."""
    from sqlalchemy import create_engine, text

    from curriculum.services.synthetic import PASSWORD

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        names = list(
            conn.execute(
                text(
                    "SELECT username FROM users u WHERE username LIKE 'syn-%' AND NOT EXISTS"
                    " (SELECT 1 FROM quiz_attempts a WHERE a.user_id = u.id"
                    " AND a.quiz_key = :q) ORDER BY id LIMIT :n"
                ),
                {"q": quiz_key, "n": count},
            ).scalars()
        )
    engine.dispose()
    browsers = [Browser(base) for _ in names]
    threads = [
        threading.Thread(target=b.sign_in, args=(name, PASSWORD))
        for b, name in zip(browsers, names, strict=True)
    ]
    for i in range(0, len(threads), 8):
        for thread in threads[i : i + 8]:
            thread.start()
        for thread in threads[i : i + 8]:
            thread.join()
    return browsers


if __name__ == "__main__":
    main()
