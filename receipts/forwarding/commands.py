"""The bodies of `receipts forward`, `receipts replay --dead` and `receipts connector moengage`."""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from urllib.parse import urlsplit

import click
import psycopg

from receipts.config import Config, ConfigError
from receipts.credentials import with_stored_credentials
from receipts.forwarding import replay
from receipts.forwarding.connector import connector_settings
from receipts.forwarding.worker import run_worker
from receipts.logs import configure_logging
from receipts.store.embedded import database_url


def forward(config: Config, once: bool, concurrency: int, lease: float) -> None:
    """Run the worker until SIGTERM or Ctrl-C (in-flight POSTs are finished and recorded)."""
    configure_logging(config.log_format)
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    tally = run_worker(config, stop, once=once, concurrency=concurrency, lease=lease)
    if once and tally is not None:
        click.echo(f"sent {tally.done}, due again later {tally.retried}, dead {tally.dead}")


def replay_dead(config: Config, since: datetime | None, dry_run: bool) -> None:
    with psycopg.connect(database_url(config), autocommit=True) as conn:
        if dry_run:
            dead = replay.dead_forwards(conn, since)
            for item in dead:
                click.echo(item.line())
            click.echo(f"{len(dead)} dead forwards would be re-queued (dry run)")
        else:
            count = replay.requeue_dead(conn, since)
            click.echo(f"re-queued {count} dead forwards; the forwarder sends them now")


def print_connector(
    config: Config,
    region: str,
    subaccount: str | None,
    sender: str | None,
    public_url: str | None,
    as_json: bool,
) -> None:
    if public_url is not None:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter("expected an http(s) URL", param_hint="--public-url")
    try:
        secret: str | None = with_stored_credentials(config).webhook_secrets[0]
    except ConfigError:
        secret = None  # nothing generated yet: the output shows a placeholder
    settings = connector_settings(
        region,
        subaccount,
        sender,
        public_url,
        secret,
        config.moengage_forward,
        config.moengage_dlr_url,
    )
    click.echo(settings.as_json() if as_json else settings.as_text())
