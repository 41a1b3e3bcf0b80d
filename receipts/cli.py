"""The `receipts` command: each command a thin call into the package.

Every expected failure (bad configuration, a bad mapping file, an unreachable database) ends
in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
import psycopg

from receipts.backfill import BackfillError
from receipts.config import Config, ConfigError
from receipts.mapping.engine import MappingSet
from receipts.mapping.files import MappingFileError, load_mapping_files
from receipts.store import migrate
from receipts.store.embedded import database_url

_EXPECTED = (ConfigError, MappingFileError, BackfillError, psycopg.OperationalError)


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


def _month(ctx: click.Context, param: click.Parameter, value: str) -> date:
    try:
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM, got {value!r}") from None
    today = datetime.now(UTC).date()
    if month > today.replace(day=1):
        raise click.BadParameter(f"{value} is after the current month: it would drop live data")
    return month


@db.command()
@click.option(
    "--before", required=True, callback=_month, metavar="YYYY-MM", help="First month to keep."
)
def prune(before: date) -> None:
    """Drop every receipt of the months before --before (whole monthly partitions)."""
    from receipts.store import retention

    with psycopg.connect(database_url(_config()), autocommit=True) as conn:
        pruned = retention.prune_before(conn, before)
    click.echo(pruned.line(before))


@main.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--connector", default="8x8", show_default=True, help="Mapping set to use.")
@click.option(
    "--forward/--no-forward",
    default=False,
    show_default=True,
    help="Queue MoEngage forwards for first final outcomes the import brings.",
)
def import_(files: tuple[Path, ...], connector: str, forward: bool) -> None:
    """Backfill historical receipts: NDJSON files of webhook bodies (gzip accepted)."""
    from receipts import backfill

    config = _config()
    mappings = MappingSet.from_paths(config.mappings_dir)
    total = sum(path.stat().st_size for path in files)
    with (
        psycopg.connect(database_url(config), autocommit=True) as conn,
        click.progressbar(
            length=total, label="importing", file=sys.stderr, hidden=not sys.stderr.isatty()
        ) as bar,
    ):
        summary = backfill.import_files(
            conn, mappings, files, connector, config.moengage_forward, forward, bar.update
        )
    click.echo(summary.line())


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


if __name__ == "__main__":
    main()
