"""flask reports rebuild: recompute the report summaries from the raw rows."""

import time

import click
from flask.cli import AppGroup

from curriculum.services import summaries
from curriculum.services.reports import filters

reports_cli = AppGroup("reports", help="Report summaries.")


@reports_cli.command("rebuild")
def rebuild_command():
    """Recompute every summary cell from the raw rows (one transaction; repeatable)."""
    started = time.perf_counter()
    cells, cmg = summaries.rebuild()
    filters.clear_cache()
    click.echo(
        f"Report summaries rebuilt in {time.perf_counter() - started:.1f} s: "
        f"{cells} cells, {cmg} CMG cells."
    )
