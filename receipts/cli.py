"""The `receipts` command: each command a thin call into the package.

Every expected failure (bad configuration, a bad mapping file, an unreachable database) ends
in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import psycopg
from marshmallow import ValidationError

from receipts.config import Config
from receipts.exceptions import ReceiptsError
from receipts.mapping.detection import NoReceiptError
from receipts.mapping.engine import MappingSet
from receipts.mapping.files import load_mapping_files
from receipts.store import migrate
from receipts.store.embedded import database_url
from receipts.store.pool import open_pool
from receipts.store.reports import GROUPINGS


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except psycopg.OperationalError as error:
            click.echo(
                f"receipts: cannot reach the database (DATABASE_URL): {_one_line(error)}", err=True
            )
            sys.exit(1)
        except ReceiptsError as error:
            click.echo(f"receipts: {_one_line(error)}", err=True)
            sys.exit(1)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _config() -> Config:
    return Config.from_env()


_AGE = re.compile(r"^(\d+)([smhd])$")
_AGE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Moment(click.ParamType):
    """A point in time: ISO 8601 (UTC when no offset is given) or an age such as 2h, 3d."""

    name = "TIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        age = _AGE.match(text)
        if age:
            ago = timedelta(**{_AGE_UNITS[age.group(2)]: int(age.group(1))})
            return datetime.now(UTC) - ago
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"expected ISO 8601 or an age like 2h or 3d, got {text!r}", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="receipts", message="receipts %(version)s")
def main() -> None:
    """Receipts: 8x8 delivery receipts, normalized, stored in PostgreSQL, sent to MoEngage."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="gunicorn workers  [default: one per core, at most 8]",
)
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


@db.command()
@click.option("--batch", default=5000, show_default=True, type=click.IntRange(min=1))
def reclassify(batch: int) -> None:
    """Read every stored failure again with the current reason vocabulary and mappings."""
    from receipts.mapping.reclassify import ReasonsByMapping
    from receipts.store import reasons

    config = _config()
    readers = ReasonsByMapping(MappingSet.from_paths(config.mappings_dir))
    with psycopg.connect(database_url(config), autocommit=True) as conn:
        total = reasons.count_failed(conn)
        with click.progressbar(length=total, label="reclassifying failures") as bar:
            done = reasons.reclassify_failures(conn, readers, batch, bar.update)
    click.echo(f"reclassified {done} failed receipt(s)")


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
    from receipts.intake import backfill

    config = _config()
    mappings = MappingSet.from_paths(config.mappings_dir)
    total = sum(path.stat().st_size for path in files)
    with (
        backfill.store_connections(database_url(config)) as connections,
        click.progressbar(
            length=total, label="importing", file=sys.stderr, hidden=not sys.stderr.isatty()
        ) as bar,
    ):
        summary = backfill.import_files(
            connections, mappings, files, connector, config.moengage_forward, forward, bar.update
        )
    click.echo(summary.line())


@main.command()
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
@click.option(
    "--concurrency",
    default=16,
    show_default=True,
    type=click.IntRange(1, 256),
    help="POSTs in flight at once.",
)
@click.option(
    "--lease",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1.0, 3600.0),
    help="Seconds a claimed forward stays hidden from other workers (a POST times out "
    "at half of it, 10 s at most).",
)
def forward(once: bool, concurrency: int, lease: float) -> None:
    """Forward normalized outcomes to MoEngage (the Procfile's worker); safe to run many."""
    from receipts.forwarding.worker import forward_until_signalled
    from receipts.logs import configure_logging

    config = _config()
    configure_logging(config.log_format)
    tally = forward_until_signalled(config, once, concurrency, lease)
    if once and tally is not None:
        click.echo(f"sent {tally.done}, due again later {tally.retried}, dead {tally.dead}")


@main.command()
@click.option("--dead", is_flag=True, help="Re-queue dead forwards to MoEngage.")
@click.option("--quarantined", is_flag=True, help="Map quarantined bodies again.")
@click.option(
    "--since",
    type=Moment(),
    help="Only items from then on (received; for --dead, died): ISO 8601, or 2h, 3d ago.",
)
@click.option("--dry-run", is_flag=True, help="Print what would happen, one line per item.")
def replay(dead: bool, quarantined: bool, since: datetime | None, dry_run: bool) -> None:
    """Run quarantined bodies again (after a mapping fix) or re-queue dead forwards."""
    if dead == quarantined:
        raise click.UsageError("give one of --quarantined or --dead")
    if dead:
        _replay_dead(since, dry_run)
    else:
        _replay_quarantined(since, dry_run)


def _replay_dead(since: datetime | None, dry_run: bool) -> None:
    from receipts.forwarding import replay_dead

    with psycopg.connect(database_url(_config()), autocommit=True) as conn:
        if dry_run:
            dead = replay_dead.dead_forwards(conn, since)
            for item in dead:
                click.echo(item.line())
            click.echo(f"{len(dead)} dead forwards would be re-queued (dry run)")
        else:
            count = replay_dead.requeue_dead(conn, since)
            click.echo(f"re-queued {count} dead forwards; the forwarder sends them now")


def _replay_quarantined(since: datetime | None, dry_run: bool) -> None:
    from receipts.intake.learning import Learner
    from receipts.intake.replay_quarantined import replay_quarantined

    config = _config()
    mapping_set = MappingSet.from_paths(config.mappings_dir)
    with open_pool(database_url(config)) as pool:
        results = replay_quarantined(
            pool, mapping_set, config.moengage_forward, since, dry_run, Learner(pool)
        )
        counts = {"mapped": 0, "still": 0}
        for result in results:
            click.echo(result.line(dry_run))
            counts["mapped" if result.receipts >= 0 else "still"] += 1
    verb = "would be replayed" if dry_run else "replayed"
    click.echo(f"{counts['mapped']} {verb}, {counts['still']} still quarantined")


@main.group()
def connector() -> None:
    """Settings to paste into a provider's or MoEngage's screens."""


@connector.command("moengage")
@click.option("--subaccount", help="8x8 subaccount id that sends the messages.")
@click.option(
    "--region",
    type=click.Choice(["apac", "us", "eu", "id"]),
    default="apac",
    show_default=True,
    help="8x8 region of the subaccount.",
)
@click.option("--sender", help="Sender id (8x8 `source`).")
@click.option(
    "--public-url",
    envvar="RECEIPTS_PUBLIC_URL",
    metavar="URL",
    help="Receipts' public https:// address [RECEIPTS_PUBLIC_URL; else a placeholder].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def connector_moengage(
    subaccount: str | None,
    region: str,
    sender: str | None,
    public_url: str | None,
    as_json: bool,
) -> None:
    """MoEngage's custom SMS connector settings for 8x8, ready to paste."""
    from receipts.forwarding.connector import deployment_connector_settings

    if public_url is not None:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter("expected an http(s) URL", param_hint="--public-url")
    settings = deployment_connector_settings(_config(), region, subaccount, sender, public_url)
    click.echo(settings.as_json() if as_json else settings.as_text())


@main.group()
def mappings() -> None:
    """Mapping files: check, detect and try them."""


@mappings.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def mappings_check(paths: tuple[Path, ...]) -> None:
    """Validate mapping files (default: RECEIPTS_MAPPINGS); errors name file, key and reason."""
    folders = paths or (_config().mappings_dir,)
    specs = load_mapping_files(folders)
    MappingSet(specs)
    for spec in specs:
        click.echo(f"ok {spec.label} ({spec.source})")


@mappings.command(
    "detect",
    context_settings={"ignore_unknown_options": True},
    epilog="Label samples with --as STATUS before them: --as delivered a.json --as failed b.json",
)
@click.argument("samples", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--name", default="detected", show_default=True, help="Name of the mapping.")
@click.option("--channel", help="Channel to write into the mapping, e.g. sms.")
def mappings_detect(samples: tuple[str, ...], name: str, channel: str | None) -> None:
    """Detect a mapping from sample bodies and print it as a mapping file.

    `--as STATUS` labels the samples after it (until the next --as) with the normalized
    status they report: the field whose values separate the labels is the status.
    """
    from receipts.mapping.detection import SampleError, detect_mapping, read_labelled_samples
    from receipts.mapping.vocabularies import load_vocabularies

    try:
        bodies, labels = read_labelled_samples(_labelled_paths(samples))
    except SampleError as error:
        raise click.BadParameter(str(error)) from None
    found = detect_mapping(bodies, labels)
    if not found.is_receipt:
        raise NoReceiptError(found)
    click.echo(found.to_toml(name, channel, load_vocabularies()), nl=False)


def _labelled_paths(tokens: tuple[str, ...]) -> list[tuple[str | None, Path]]:
    """The command line's own grammar for labelled samples:
    `a.json --as failed b.json c.json` -> [(None, a), (failed, b), (failed, c)]."""
    from receipts.mapping.status import STATUSES

    found: list[tuple[str | None, Path]] = []
    label: str | None = None
    items = iter(tokens)
    for word in items:
        if word == "--as":
            label = next(items, None)
            if label not in STATUSES:
                raise click.BadParameter(
                    f"--as takes a status ({', '.join(STATUSES)}), not {label!r}"
                )
            continue
        if word.startswith("-"):
            raise click.NoSuchOption(word)
        path = Path(word)
        if not path.exists():
            raise click.BadParameter(f"{word}: no such file")
        found.append((label, path))
    if not found:
        raise click.BadParameter("no sample files given")
    return found


@mappings.command("try")
@click.argument("mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("samples", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON document with every result.")
def mappings_try(mapping: Path, samples: tuple[Path, ...], as_json: bool) -> None:
    """Show the normalized result of each sample under MAPPING."""
    from receipts.mapping.compile import compile_mapping
    from receipts.mapping.detection import SampleError, read_sample_files
    from receipts.mapping.trial import trial_lines, trials_json, try_mapping

    compiled = compile_mapping(load_mapping_files([mapping])[0])
    try:
        bodies = read_sample_files(samples)
    except SampleError as error:
        raise click.BadParameter(str(error)) from None
    trials = [try_mapping(compiled, label, body) for label, body in bodies]
    if as_json:
        click.echo(trials_json(trials))
        return
    for trial in trials:
        for line in trial_lines(trial):
            click.echo(line)


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
    config = _config()
    with psycopg.connect(database_url(config), autocommit=True) as conn:
        result = summarize(
            conn, query["from"], query["to"], query["by"], windows=config.final_windows
        )
    click.echo(summary_table(result))


@report.command("suppressions")
@click.option("--since", type=Moment(), help="Only failures since (ISO 8601, or an age: 30d).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, ready to upload as a MoEngage segment.")
def report_suppressions(since: datetime | None, as_csv: bool) -> None:
    """Recipients whose latest outcome is a permanent failure: stop sending to them."""
    from receipts.reports.suppressions import suppression_lines
    from receipts.store.suppressions import suppressions

    with psycopg.connect(database_url(_config()), autocommit=True) as conn:
        rows = suppressions(conn, since or datetime(1970, 1, 1, tzinfo=UTC), None)
    if as_csv:
        for line in suppression_lines(rows):
            click.echo(line, nl=False)
        return
    for row in rows:
        click.echo(
            f"{row['recipient']}  {row['reason_category'] or 'other'}  {row['channel'] or '-'}"
            f"  {row['failures']} failure(s), last {row['last_failed_at'].isoformat()}"
        )
    click.echo(f"{len(rows)} recipient(s) to suppress")


@report.command("overdue")
@click.option("--channel", help="Only this channel (sms, whatsapp, ...).")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(min=1))
def report_overdue(channel: str | None, limit: int) -> None:
    """Messages still without a final outcome past their channel's window, oldest first."""
    from receipts.store.overdue import overdue_messages

    config = _config()
    with psycopg.connect(database_url(config), autocommit=True) as conn:
        rows = overdue_messages(conn, config.final_windows, channel, limit)
    for row in rows:
        hours = row["age"].total_seconds() / 3600
        click.echo(
            f"{row['message_id']}  {row['channel'] or '-'}  {row['country'] or '-'}  "
            f"{row['status']}  last receipt {row['last_event_at'].isoformat()} ({hours:.0f} h ago)"
        )
    click.echo(f"{len(rows)} overdue message(s)")


@report.command("rollup")
@click.option(
    "--every",
    type=click.FloatRange(min=0.1),
    metavar="S",
    help="Keep refreshing every S seconds until stopped (what `receipts serve` runs).",
)
def report_rollup(every: float | None) -> None:
    """Bring the hourly rollup up to date (summaries also do it when it is a minute old)."""
    from receipts.store.reports import refresh_rollup

    config = _config()
    url = database_url(config)
    if every is not None:
        from receipts.logs import configure_logging
        from receipts.reports.rollup import refresh_until_signalled

        configure_logging(config.log_format)
        refresh_until_signalled(url, every)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        hours = refresh_rollup(conn)
    click.echo("another refresh is running" if hours < 0 else f"recounted {hours} hour(s)")


if __name__ == "__main__":
    main()
