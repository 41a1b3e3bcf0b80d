"""The `receipts` command: each command a thin call into the package.

Every expected failure (bad configuration, a bad mapping file, an unreachable database) ends
in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import psycopg
from marshmallow import ValidationError

from receipts.config import Config, ConfigError
from receipts.mapping.engine import MappingSet
from receipts.mapping.files import MappingFileError, load_mapping_files
from receipts.reports.schemas import GROUPINGS
from receipts.store import migrate
from receipts.store.embedded import database_url

_EXPECTED = (ConfigError, MappingFileError, psycopg.OperationalError)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _EXPECTED as error:
            click.echo(f"receipts: {_one_line(error)}", err=True)
            sys.exit(1)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _config() -> Config:
    return Config.from_env()


@click.group(cls=_Group)
def main() -> None:
    """Receipts: 8x8 delivery receipts, normalized, stored in PostgreSQL, sent to MoEngage."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), help="gunicorn workers [2 x cores + 1]")
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the service: migrations, gunicorn, and embedded PostgreSQL when needed."""
    from receipts.serve import default_workers
    from receipts.serve import serve as run

    sys.exit(run(_config(), host, port, workers or default_workers()))


@main.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Apply SQL migrations (idempotent; the Procfile's release step)."""
    with psycopg.connect(database_url(_config()), autocommit=True) as conn:
        applied = migrate.upgrade(conn)
        version = migrate.current_version(conn)
    for migration in applied:
        click.echo(f"applied {migration.version:04d}_{migration.name}")
    click.echo(f"schema at version {version}")


@main.command()
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
def forward(once: bool) -> None:
    """Forward normalized outcomes to MoEngage (the Procfile's worker)."""
    click.echo("forwarding is not built yet: forwards wait in the outbox")


@main.group()
def mappings() -> None:
    """Mapping files: check them."""


@mappings.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def mappings_check(paths: tuple[Path, ...]) -> None:
    """Validate mapping files (default: RECEIPTS_MAPPINGS); errors name file, key and reason."""
    folders = paths or (_config().mappings_dir,)
    specs = load_mapping_files(folders)
    MappingSet(specs)
    for spec in specs:
        click.echo(f"ok {spec.label} ({spec.source})")


@main.group()
def report() -> None:
    """Reports from the command line."""


@report.command("summary")
@click.option("--from", "start", required=True, help="Start (a date or ISO 8601 time), UTC.")
@click.option("--to", "end", required=True, help="End, exclusive (a date or ISO 8601 time).")
@click.option("--by", default="day", show_default=True, help=f"One of {', '.join(GROUPINGS)}.")
def report_summary(start: str, end: str, by: str) -> None:
    """Messages first seen in [FROM, TO): counts, delivery rate and latency, per group."""
    from receipts.reports.schemas import SummaryQuerySchema
    from receipts.reports.summary import summarize
    from receipts.reports.table import summary_table

    try:
        query = SummaryQuerySchema().load({"from": start, "to": end, "by": by})
    except ValidationError as error:
        problems = error.normalized_messages()
        raise click.UsageError(
            "; ".join(f"--{name}: {' '.join(map(str, why))}" for name, why in problems.items())
        ) from None
    with psycopg.connect(database_url(_config()), autocommit=True) as conn:
        result = summarize(conn, query["from"], query["to"], query["by"])
    click.echo(summary_table(result))


@report.command("rollup")
def report_rollup() -> None:
    """Bring the hourly rollup up to date (summaries also do it before they read it)."""
    from receipts.store.reports import refresh_rollup

    with psycopg.connect(database_url(_config()), autocommit=True) as conn:
        hours = refresh_rollup(conn)
    click.echo("another refresh is running" if hours < 0 else f"recounted {hours} hour(s)")


if __name__ == "__main__":
    main()
