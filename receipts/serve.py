"""`receipts serve`: the whole service in one process tree, for a laptop or a single machine.

This process owns the embedded PostgreSQL (when `DATABASE_URL` is unset), applies migrations,
then supervises gunicorn, one forwarder (`receipts forward`) and the periodic rollup refresh
as child processes. When any child dies, or on Ctrl-C, it stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import click
import psycopg

from receipts.config import Config
from receipts.credentials import ensure_credentials
from receipts.mapping.engine import MappingSet
from receipts.metrics import MULTIPROC_ENV
from receipts.reports.rollup import DEFAULT_EVERY
from receipts.store import migrate, retention
from receipts.store.embedded import database_url

UPKEEP_EVERY = 3600.0


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{shown}:{self.port}"


# Threads per worker: requests waiting in one process share a commit (group commit), so
# fewer, wider workers make bigger batches; bench/ingest.py found one worker per core plus
# one, 16 threads each, best on two cores (more processes only fight over the cores).
DEFAULT_THREADS = 16


def default_workers() -> int:
    return min((os.cpu_count() or 1) + 1, 8)


def prepare(config: Config) -> tuple[Config, str]:
    """Everything that must hold before a request is served; errors stop the start."""
    config = ensure_credentials(config)
    MappingSet.from_paths(config.mappings_dir)
    url = database_url(config)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate.upgrade(conn)
    return config, url


def registration_text(config: Config, endpoint: Endpoint, embedded: bool) -> str:
    webhook = f"{endpoint.base_url}/webhooks/8x8"
    secret = config.webhook_secrets[0]
    where = f"embedded PostgreSQL in {config.data_dir / 'pgdata'}" if embedded else "DATABASE_URL"
    return "\n".join(
        [
            f"Receipts is serving on {endpoint.base_url} ({where}).",
            "Register the webhook in 8x8 (POST /api/v1/accounts/{accountId}/webhooks), with",
            "your public https:// address in place of this one:",
            f"  url:               {webhook}",
            f"  httpAuthorization: Bearer {secret}",
            f"Per-message dlrCallbackUrl: {webhook}?token={secret}",
            f"Reporting API token: {config.api_token}  (Authorization: Bearer ...)",
            "Press Ctrl-C to stop.",
        ]
    )


def gunicorn_command(
    endpoint: Endpoint, workers: int, app: str, threads: int = DEFAULT_THREADS
) -> list[str]:
    """gunicorn as `serve` runs it; bench/ingest.py runs its baseline app the same way."""
    model = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{endpoint.host}:{endpoint.port}",
        "--workers",
        str(workers),
        *model,
        "--graceful-timeout",
        "10",
        "--config",
        "python:receipts.gunicorn_hooks",
        app,
    ]


def rollup_command(every: float = DEFAULT_EVERY) -> list[str]:
    """The periodic rollup refresh, so that summary requests never recount."""
    return [sys.executable, "-m", "receipts.cli", "report", "rollup", "--every", str(every)]


def child_commands(endpoint: Endpoint, workers: int) -> list[list[str]]:
    forwarder = [sys.executable, "-m", "receipts.cli", "forward"]
    gunicorn = gunicorn_command(endpoint, workers, "receipts:create_app()")
    return [gunicorn, forwarder, rollup_command()]


def supervise(
    commands: Sequence[list[str]],
    env: dict[str, str],
    upkeep: Callable[[], None] | None = None,
) -> int:
    """Run the children until one exits or we are told to stop; then stop them all.

    `upkeep` runs every UPKEEP_EVERY seconds meanwhile (receipt partitions kept ahead).
    """
    stopping = False
    next_upkeep = time.monotonic() + UPKEEP_EVERY

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children = [subprocess.Popen(command, env=env) for command in commands]
    exit_code = 0
    try:
        while not stopping:
            finished = [child for child in children if child.poll() is not None]
            if finished:
                exit_code = finished[0].returncode or 1
                break
            if upkeep is not None and time.monotonic() >= next_upkeep:
                upkeep()
                next_upkeep = time.monotonic() + UPKEEP_EVERY
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return 0 if stopping else exit_code


def serve(config: Config, host: str, port: int, workers: int) -> int:
    embedded = config.database_url is None
    config, url = prepare(config)
    endpoint = Endpoint(host, port)
    click.echo(registration_text(config, endpoint, embedded))
    env = {**os.environ, "DATABASE_URL": url}
    with tempfile.TemporaryDirectory(prefix="receipts-metrics-") as metrics_dir:
        # gunicorn's workers share their Prometheus samples through files in this directory.
        env[MULTIPROC_ENV] = metrics_dir
        return supervise(child_commands(endpoint, workers), env, lambda: keep_partitions_ahead(url))


def keep_partitions_ahead(url: str) -> None:
    """A service that runs for months must not run out of monthly partitions."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            retention.keep_partitions_ahead(conn)
    except psycopg.Error as error:  # the database may be down for a while: try again later
        click.echo(f"receipts: partitions not checked: {type(error).__name__}", err=True)
