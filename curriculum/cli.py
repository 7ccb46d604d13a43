"""flask commands: users, content, i18n, demo. Each exits non-zero on failure."""

import getpass
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from curriculum.cli_reports import reports_cli
from curriculum.config import Config
from curriculum.content import ContentInvalid, load_catalog, term_anchor
from curriculum.content.fairness import fairness_report, fairness_warnings
from curriculum.content.stamping import stamp
from curriculum.content.status import content_status
from curriculum.extensions import db
from curriculum.models import ROLES, TRACKS, Commune, Province
from curriculum.services import accounts, backup, demo, geography, synthetic
from curriculum.translation_catalog import Paths, check, compile_all, update, write_pot

users_cli = AppGroup("users", help="Manage accounts.")
geo_cli = AppGroup("geo", help="Import provinces, districts and communes.")
content_cli = click.Group(
    "content", help="Check, stamp and report the curriculum files."
)
hub_cli = AppGroup("hub", help="Workshop hub: export and import signed bundles.")
i18n_cli = click.Group("i18n", help="Extract, update, compile and check translations.")


def register(app) -> None:
    """Attach the commands that need the application."""
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(geo_cli)
    app.cli.add_command(hub_cli)
    app.cli.add_command(reports_cli)


# -- users -------------------------------------------------------------------
@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name in Khmer.")
@click.option("--latin-name", default=None, help="Name in Latin letters.")
@click.option("--role", type=click.Choice(ROLES), default="trainee", show_default=True)
@click.option("--track", "tracks", type=click.Choice(TRACKS), multiple=True)
@click.option("--gender", default="unspecified")
@click.option("--province", "province_code", help="Province code (scope or home).")
@click.option("--commune", "commune_code", help="Commune code (scope or home).")
@click.option("--password", envvar="NEW_USER_PASSWORD", help="Asked for when absent.")
def create_user_command(
    username,
    display_name,
    latin_name,
    role,
    tracks,
    gender,
    province_code,
    commune_code,
    password,
):
    """Create an account of any role."""
    province = commune = None
    if commune_code:
        commune = db.session.scalar(select(Commune).where(Commune.code == commune_code))
        if commune is None:
            raise click.ClickException(f"no commune with code {commune_code}")
    if province_code:
        province = db.session.scalar(
            select(Province).where(Province.code == province_code)
        )
        if province is None:
            raise click.ClickException(f"no province with code {province_code}")
    if password is None:
        password = getpass.getpass("Password: ")
    try:
        user = accounts.create_user(
            username=username,
            display_name=display_name,
            latin_name=latin_name,
            role=role,
            tracks=list(tracks),
            gender=gender,
            password=password,
            province_id=(
                commune.province_id if commune else province.id if province else None
            ),
            commune_id=commune.id if commune else None,
        )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.username} ({user.role})")


def _user_or_fail(username: str):
    from curriculum.models import User

    user = db.session.scalar(
        select(User).where(User.username == accounts.normalize_username(username))
    )
    if user is None:
        raise click.ClickException(f"no account {username!r}")
    return user


@users_cli.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role_command(username, role):
    """Give an account another role (its sessions end)."""
    user = _user_or_fail(username)
    accounts.change_role(user, role, None)
    click.echo(f"{user.username} is now {role}; signed out everywhere.")


@users_cli.command("password")
@click.argument("username")
@click.option("--password", envvar="NEW_USER_PASSWORD", help="Asked for when absent.")
def reset_password_command(username, password):
    """Set an account's password (audited; its sessions end)."""
    user = _user_or_fail(username)
    if password is None:
        password = getpass.getpass("New password: ")
    try:
        accounts.reset_password(user, password, None)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Password of {user.username} changed; signed out everywhere.")


# -- demo --------------------------------------------------------------------
@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts exist.")
@click.option(
    "--scale",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Also add this many synthetic trainees with attempts, workshops and reports.",
)
@click.option(
    "--attempts",
    type=click.IntRange(0, 50_000_000),
    default=None,
    help="With --scale: this many quiz attempts in all (default: 5 per trainee).",
)
@click.option("--seed", type=int, default=2026, show_default=True)
@with_appcontext
def demo_command(if_empty, scale, attempts, seed):
    """Create demo places and one account of every role; print the passwords."""
    if attempts is not None and not scale:
        raise click.ClickException("--attempts needs --scale")
    if scale:
        if not demo.has_users():
            _print_accounts(demo.create_demo(current_app.extensions["catalog"]))
        started = time.perf_counter()
        try:
            made = synthetic.generate(
                current_app.extensions["catalog"], scale, seed, attempts
            )
        except synthetic.TooManyAttempts as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"Synthetic data in {time.perf_counter() - started:.0f} s: "
            f"{made.trainees} trainees, {made.attempts} attempts, "
            f"{made.completions} completions, {made.certificates} certificates, "
            f"{made.responses} pre/post responses, {made.workshops} workshops, "
            f"{made.attendances} attendances, {made.cmg_reports} CMG monthly reports."
        )
        click.echo(f"Every synthetic trainee's password is {synthetic.PASSWORD!r}.")
        return
    if demo.has_users():
        if if_empty:
            click.echo("Accounts exist already; demo accounts were not added.")
            return
        raise click.ClickException("accounts exist already; use an empty database")
    _print_accounts(demo.create_demo(current_app.extensions["catalog"]))


def _print_accounts(created) -> None:
    click.echo("Demo accounts (the passwords are shown only now):")
    for account in created:
        click.echo(f"  {account.role:<12} {account.username:<20} {account.password}")


# -- geo ---------------------------------------------------------------------
@geo_cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def geo_import(folder):
    """Import districts and communes from a gazetteer folder (Pumi YAML files)."""
    try:
        result = geography.import_gazetteer(folder)
    except geography.GazetteerError as exc:
        summary = f"{len(exc.problems)} problem(s); nothing was imported."
        raise click.ClickException("\n".join([*exc.problems, summary])) from None
    click.echo(
        f"provinces updated: {result.provinces_updated}\n"
        f"districts added: {result.districts_added}, "
        f"updated: {result.districts_updated}\n"
        f"communes added: {result.communes_added}, "
        f"updated: {result.communes_updated}"
    )


# -- backup ------------------------------------------------------------------
@click.command("backup")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: instance/backups/curriculum-DATE.sqlite3).",
)
@with_appcontext
def backup_command(target):
    """Write a consistent copy of the SQLite database, even while it is in use."""
    try:
        source = backup.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
        written = backup.backup_sqlite(
            source, target, Path(current_app.instance_path) / "backups"
        )
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {written} ({written.stat().st_size} bytes).")


# -- content -----------------------------------------------------------------
def _content_paths() -> tuple[Path, Path, Path]:
    return Config.ROOT, Config.MODULES_DIR, Config.QUIZZES_DIR


def _catalog_or_exit():
    root, modules, quizzes = _content_paths()
    try:
        return load_catalog(root, modules, quizzes, term_anchor)
    except ContentInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(exc.errors)} error(s) in the content.", err=True)
        sys.exit(1)


@content_cli.command("check")
@click.option(
    "--strict", is_flag=True, help="Fail on quiz-fairness warnings too (CI does)."
)
def content_check(strict):
    """Validate every content file; print errors with file and line, then warnings."""
    catalog = _catalog_or_exit()
    lessons = sum(len(m.lessons) for m in catalog.modules)
    questions = sum(len(q.questions) for q in catalog.quizzes.values())
    click.echo(
        f"Content is valid: {len(catalog.modules)} modules, {lessons} lessons, "
        f"{len(catalog.quizzes)} quizzes, {questions} questions, "
        f"{len(catalog.glossary)} glossary terms."
    )
    warnings = fairness_warnings(catalog)
    for warning in warnings:
        click.echo(str(warning), err=True)
    if warnings:
        click.echo(
            f"{len(warnings)} quiz-fairness warning(s); "
            "`flask content fairness` shows the figures.",
            err=True,
        )
        if strict:
            sys.exit(1)


@content_cli.command("fairness")
def content_fairness():
    """Print the quiz-fairness figures per quiz and overall, and near-duplicates."""
    for line in fairness_report(_catalog_or_exit()):
        click.echo(line)


@content_cli.command("status")
def content_status_command():
    """Print lessons and questions per language, stale Khmer and review status."""
    root, modules, quizzes = _content_paths()
    try:
        catalog = load_catalog(root, modules, quizzes, term_anchor)
    except ContentInvalid as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    header = (
        f"{'module':<20} {'lessons en/km':>13} {'questions en/km':>15} "
        f"{'EN words':>8} {'KM chars':>8}  stale  review"
    )
    click.echo(header)
    for row in content_status(catalog):
        review = "reviewed" if not row.draft else f"draft ({len(row.draft)} files)"
        click.echo(
            f"{row.key:<20} {row.lessons_en:>6}/{row.lessons_km:<6} "
            f"{row.questions_en:>7}/{row.questions_km:<7} {row.en_words:>8} "
            f"{row.km_chars:>8}  {len(row.stale):>5}  {review}"
        )
        for path in row.stale:
            click.echo(f"    stale Khmer: {path}")


@content_cli.command("stamp")
@click.option(
    "--force",
    "force",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A Khmer file updated to match changed English.",
)
def content_stamp(force):
    """Record the English hash in Khmer files that say "pending" (or are forced)."""
    _, modules, quizzes = _content_paths()
    changed = stamp(modules, quizzes, set(force))
    for path in changed:
        click.echo(f"stamped {path}")
    click.echo(f"{len(changed)} file(s) stamped.")


# -- i18n --------------------------------------------------------------------
def _i18n_paths() -> Paths:
    return Paths(Config.ROOT, Config.ROOT / "translations")


@i18n_cli.command("extract")
def i18n_extract():
    """Extract messages from code and templates into messages.pot."""
    count = write_pot(_i18n_paths())
    click.echo(f"{count} messages extracted.")


@i18n_cli.command("update")
def i18n_update():
    """Merge messages.pot into translations/km/LC_MESSAGES/messages.po."""
    update(_i18n_paths())
    click.echo("Catalogues updated.")


@i18n_cli.command("compile")
def i18n_compile():
    """Build the .mo files."""
    compile_all(_i18n_paths())
    click.echo("Catalogues compiled.")


@i18n_cli.command("check")
def i18n_check():
    """Fail on a stale messages.pot, a missing Khmer string or a broken placeholder."""
    problems = check(_i18n_paths())
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} translation problem(s).", err=True)
        sys.exit(1)
    click.echo("Translations are complete and current.")


# -- hub ---------------------------------------------------------------------
@hub_cli.command("export")
@click.option("--workshop", "workshop_id", type=int, required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path))
def hub_export(workshop_id, out):
    """Write a signed bundle of one workshop on this hub."""
    from curriculum.models import Workshop
    from curriculum.services.hub import bundle, export

    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise click.ClickException(f"no workshop {workshop_id}")
    try:
        with current_app.test_request_context("/?lang=en"):
            data = export.export_workshop(workshop)
    except bundle.BundleError as exc:
        raise click.ClickException(str(exc)) from None
    out = out or Path(f"hub-{current_app.config['HUB_ID']}-workshop-{workshop_id}.zip")
    out.write_bytes(data)
    click.echo(f"wrote {out}")


@hub_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "as_username",
    metavar="USERNAME",
    help="The admin who imports (needed when the bundle creates a workshop).",
)
def hub_import(file, as_username):
    """Check and apply a hub bundle (all or nothing; twice counts once)."""
    from curriculum.models import User
    from curriculum.services.hub import importer
    from curriculum.views import hub_messages

    actor = None
    if as_username:
        actor = db.session.scalar(select(User).where(User.username == as_username))
        if actor is None or actor.role != "admin" or not actor.active:
            raise click.ClickException(f"--as {as_username}: no active admin account")
    with file.open("rb") as fh:
        raw = fh.read(importer.MAX_BUNDLE_BYTES + 1)
    with current_app.test_request_context("/?lang=en"):
        try:
            result = importer.import_bundle(raw, actor)
        except importer.ImportRefused as refused:
            message = hub_messages.refusal_message(refused)
            if refused.code == "actor_needed":
                message += " Run again with --as USERNAME (an admin account)."
            raise click.ClickException(f"{refused.code}: {message}") from None
        if result.already:
            click.echo(
                f"bundle {result.bundle_id}: {hub_messages.already_message(result)}"
            )
            return
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        click.echo(f"imported bundle {result.bundle_id} from {result.hub_id}: {counts}")
        for conflict in result.conflicts:
            message = hub_messages.conflict_message(conflict)
            click.echo(f"conflict {conflict.code}: {message}")


@hub_cli.command("prepare")
@click.option("--workshop", "workshop_id", type=int, required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path))
def hub_prepare(workshop_id, out):
    """At the centre: write the signed seed a hub needs for one workshop."""
    from curriculum.models import Workshop
    from curriculum.services.hub import bundle, prepare

    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        raise click.ClickException(f"no workshop {workshop_id}")
    out = out or Path(f"hub-seed-workshop-{workshop_id}.zip")
    if out.exists():
        raise click.ClickException(f"{out} exists already; choose another name")
    try:
        with current_app.test_request_context("/?lang=en"):
            data = prepare.prepare_seed(workshop)
    except bundle.BundleError as exc:
        raise click.ClickException(str(exc)) from None
    # The seed holds password hashes: readable by its owner only.
    out.touch(mode=0o600)
    out.write_bytes(data)
    click.echo(f"wrote {out}; it holds password hashes: copy it only to the hub")


@hub_cli.command("serve", with_appcontext=False)
@click.option(
    "--seed",
    "seeds",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A seed from `flask hub prepare` (repeatable; loading one twice is harmless).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--database",
    default=None,
    help="The hub's SQLite file (default: instance/hub.sqlite3).",
)
def hub_serve(seeds, port, database):
    """On the laptop: load seeds into the hub's SQLite database and serve the Wi-Fi."""
    import os

    from curriculum.app import create_app
    from curriculum.services.hub import bundle, serve

    try:
        path = serve.database_path(
            database, os.environ.get("DATABASE_URL"), Config.ROOT / "instance"
        )
    except serve.HubServeError as exc:
        raise click.ClickException(str(exc)) from None
    app = create_app(serve.hub_config(path))
    try:
        done = serve.set_up(app, [seed.read_bytes() for seed in seeds])
    except (bundle.BundleError, serve.HubServeError) as exc:
        raise click.ClickException(str(exc)) from None
    for seed, result in zip(seeds, done.loaded, strict=True):
        if result.already:
            click.echo(f"{seed}: already loaded; nothing changed")
        else:
            counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
            click.echo(f"{seed}: loaded workshop {result.workshop_id}: {counts}")
        for note in result.notes:
            click.echo(f"note: {note}")
    if not done.workshops:
        raise click.ClickException("this hub has no workshop yet: give --seed FILE")
    url = serve.join_url(serve.lan_ip(), port)
    app.config["HUB_JOIN_URL"] = url
    click.echo(f"hub {done.hub_id}, database {path}")
    for line in serve.banner(url, ansi=sys.stdout.isatty()):
        click.echo(line)
    serve.run(app, port)


# Translation review's commands join the content and users groups (review_cli.py).
from curriculum import review_cli  # noqa: E402, F401
