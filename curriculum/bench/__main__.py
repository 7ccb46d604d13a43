"""Run the benchmark: `python -m curriculum.bench` (see the package docstring)."""

import argparse
import json
import os
import shutil
import threading
from dataclasses import asdict

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
from curriculum.bench.server import (
    exists,
    flask,
    free_port,
    prepare,
    sqlalchemy_url,
    start_gunicorn,
    synthetic_count,
)
from curriculum.bench.targets import LESSON_AND_QUIZ, check, print_checks
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
    try:
        results = [] if args.offline_only else run_pages(env, bases, args)
        print("Measuring offline mode...")
        offline = run_offline(env, bases[0])
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    report = {
        "database": database,
        "scale": synthetic_count(env),
        "cores": os.cpu_count(),
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "instances": len(bases),
        "pages": [asdict(r) for r in results],
        "offline": offline,
        "committee_queue_targets": check(results, COMMITTEE_QUEUE),
        "lesson_and_quiz_targets": check(results, LESSON_AND_QUIZ),
    }
    (instance / "bench.json").write_text(json.dumps(report, indent=2))
    if results:
        print(
            f"\n{'page':<16}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'err':>5}{'SQL':>5}"
            f"{'bytes':>8}{'br':>7}  tool"
        )
    for r in results:
        print(
            f"{r.page:<16}{r.requests_per_second:>8.0f}{r.p50_ms:>8.1f}{r.p95_ms:>8.1f}"
            f"{r.errors:>5}{r.sql_statements:>5}{r.bytes_uncompressed:>8}"
            f"{r.bytes_compressed:>7}  {r.tool}"
        )
    print_checks(
        report["committee_queue_targets"],
        "Targets of issue 18 (committee queue, HTML uncompressed):",
    )
    print_checks(
        report["lesson_and_quiz_targets"],
        "Targets of issue 18 (lesson, trainee home, quiz page, quiz submit):",
    )
    print_table(offline)
    print(
        f"\n{database}, {os.cpu_count()} cores, {args.workers} workers; "
        f"written to {instance / 'bench.json'}"
    )


# Issue 18: the committee queue stays fast and light however many candidates there are.
COMMITTEE_QUEUE = {
    "committee queue": (
        ("requests/s", "requests_per_second", ">=", 200),
        ("p95 ms", "p95_ms", "<", 100),
        ("HTML bytes", "bytes_uncompressed", "<", 30_000),
    ),
}


def run_pages(env: dict, bases: list[str], args) -> list[Result]:
    """Sign in, then load each key page in turn."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(env["DATABASE_URL"]))
    with engine.connect() as conn:
        trainee = conn.execute(
            text(
                "SELECT username FROM users WHERE username LIKE 'syn-%' ORDER BY id LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    from curriculum.services.synthetic import PASSWORD

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
        "trainee": (trainee, PASSWORD),
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
