"""flask commands of translation review: export corrections, PO files, reviewers.

`flask content export` writes the Khmer approved in the app into the content files;
`flask content po export|import` gives translators the same items as gettext PO files
(one per module, msgctxt = the item's key, msgid = the English); `flask users reviewer`
lets a native speaker review. Each exits non-zero on failure and writes nothing then.
"""

import io
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from flask.cli import with_appcontext

from curriculum.cli import _user_or_fail, content_cli, users_cli
from curriculum.extensions import db
from curriculum.permissions import can_review
from curriculum.services import audit, review

PO_HEADER = "Safe Homes curriculum"


@users_cli.command("reviewer")
@click.argument("username")
@click.option("--off", is_flag=True, help="Take the permission away.")
@with_appcontext
def reviewer_command(username, off):
    """Let a staff member review and correct the Khmer (a native speaker)."""
    user = _user_or_fail(username)
    if not off and user.role == "trainee":
        raise click.ClickException("only staff accounts can review (give a staff role)")
    user.reviewer = not off
    audit.record(None, "user.reviewer", "user", user.id, {"reviewer": not off})
    db.session.commit()
    click.echo(f"{user.username} {'can no longer' if off else 'can now'} review.")


@content_cli.command("export")
@click.option("--dry-run", is_flag=True, help="Only list the files that would change.")
@with_appcontext
def content_export(dry_run):
    """Write the Khmer approved in the app into the content files, to commit."""
    for clash in review.conflicts():
        click.echo(
            f"not written, the file changed after the correction: {clash.key}", err=True
        )
    written = review.export_files()
    for path in sorted(written):
        if not dry_run:
            path.write_text(written[path], encoding="utf-8")
        click.echo(f"{'would write' if dry_run else 'wrote'} {path}")
    if not written:
        click.echo("Nothing to write: the files hold every approved correction.")
    elif not dry_run:
        review.forget_items()
        click.echo("Now run 'flask content check' and commit the files.")


@content_cli.group("po")
def po_group():
    """Translatable items as gettext PO files, for Poedit or Weblate."""


def po_catalog(group: str) -> Catalog:
    """Return a group's items as a PO catalogue (msgctxt = key, msgid = English)."""
    catalog = Catalog(
        locale="km", project=PO_HEADER, domain=group, version=str(review.revision())
    )
    for state in review.states(review.groups()[group]):
        catalog.add(
            state.item.en,
            state.km,
            context=state.item.key,
            auto_comments=[f"{state.item.kind} · {state.state}"],
            # Fuzzy is "needs a change" both ways: export marks those, import sets it.
            flags=("fuzzy",) if state.state == "needs_change" else (),
        )
    return catalog


@po_group.command("export")
@click.option("--module", "group", default=None, help="One module (or group) only.")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("po"), show_default=True
)
@with_appcontext
def po_export(group, out):
    """Write one PO file per module (and glossary, tests, survey, vetting, tracks)."""
    groups = review.groups()
    if group is not None and group not in groups:
        raise click.ClickException(f"no module or group {group!r}: {', '.join(groups)}")
    out.mkdir(parents=True, exist_ok=True)
    for name in [group] if group else list(groups):
        buffer = io.BytesIO()
        write_po(buffer, po_catalog(name), width=88, sort_output=False)
        path = out / f"{name}.km.po"
        path.write_bytes(buffer.getvalue())
        click.echo(f"wrote {path} ({len(groups[name])} items)")


@po_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_username", required=True, help="The reviewer importing it.")
@with_appcontext
def po_import(file, as_username):
    """Apply a translated PO file as corrections (all or nothing; twice = once)."""
    user = _user_or_fail(as_username)
    if not can_review(user):
        raise click.ClickException(f"{user.username} is not a reviewer")
    try:
        with file.open("rb") as handle:
            catalog = read_po(handle, locale="km")
    except Exception as exc:  # noqa: BLE001 - babel raises many kinds
        raise click.ClickException(f"not a PO file: {exc}") from None
    entries = [
        review.Incoming(
            key=str(message.context or ""),
            en=str(message.id),
            km=str(message.string or ""),
            fuzzy=message.fuzzy,
        )
        for message in catalog
        if message.id and isinstance(message.id, str)
    ]
    try:
        counts = review.import_corrections(user, entries)
    except review.ReviewRefused as error:
        for key, reason in error.params.get("entries", [(file.name, error.code)]):
            click.echo(f"{key}: {reason}", err=True)
        raise click.ClickException("nothing was imported") from None
    click.echo(
        f"imported {file}: {counts['changed']} corrections, "
        f"{counts['needs_change']} marked as needing a change"
    )
