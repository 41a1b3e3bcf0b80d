"""`receipts serve`: the whole service in one process tree, for a laptop or a single machine.

This process owns the embedded PostgreSQL (when `DATABASE_URL` is unset), applies migrations,
then supervises gunicorn, one forwarder (`receipts forward`) and the periodic rollup refresh
as child processes. A child that dies is started again after a back-off (one log line each
time); `serve` stops everything only on Ctrl-C or SIGTERM, or when a child keeps dying at start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import click
import psycopg

from receipts.config import Config
from receipts.credentials import ensure_credentials
from receipts.exceptions import ReceiptsError
from receipts.mapping.engine import MappingSet
from receipts.reports.rollup import DEFAULT_EVERY
from receipts.signals import stop_on_signals
from receipts.store import migrate, retention
from receipts.store.embedded import database_url
from receipts.web.gunicorn_hooks import MULTIPROC_ENV

UPKEEP_EVERY = 3600.0


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def everywhere(self) -> bool:
        return self.host in ("0.0.0.0", "::")  # noqa: S104

    @property
    def base_url(self) -> str:
        shown = "127.0.0.1" if self.everywhere else self.host
        return f"http://{shown}:{self.port}"

    def check_free(self) -> None:
        """Fail with one line, before anything starts, when the port is taken."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.host, self.port))
            except OSError as error:
                raise ServeError(
                    f"cannot listen on {self.host}:{self.port} ({error.strerror}): "
                    "the port is in use; choose another with --port"
                ) from None


class ServeError(ReceiptsError, RuntimeError):
    """`serve` cannot start or keep its children running; the message is one line."""


# The worker model. gevent: a request waiting for its commit costs a greenlet switch, where a
# gthread worker paid a thread wake-up and a GIL hand-off, and every waiting request of a
# worker joins the next commit (a gthread worker's 16 threads capped its batches). On two
# cores bench/ingest.py measured, against 3 x 16 gthread in the same session: 2,860 to 3,180
# durable receipts/s against 2,250 to 2,640; web CPU 0.45 to 0.54 ms per receipt against
# 0.55 to 0.63; PostgreSQL 98 to 123 us against 128 to 151, at 10 to 14 bodies per commit
# against 6 to 7. gthread (16 threads, or sync) stays for comparisons. gevent's own HTTP
# server (gunicorn's gevent_pywsgi) cost 18% less web CPU per receipt, but it accepts a body
# with both Content-Length and Transfer-Encoding (a request-smuggling shape gunicorn refuses),
# takes headers of any size and writes tracebacks, not JSON, for bad requests: not for a
# public webhook.
WORKER_CLASSES = ("gevent", "gthread", "sync")
DEFAULT_WORKER_CLASS = "gevent"
DEFAULT_THREADS = 16  # gthread only


def default_workers(worker_class: str = DEFAULT_WORKER_CLASS) -> int:
    """One gevent worker per core. It never blocks, so a spare one only takes turns on the
    cores and splits the batches: on two cores bench/ingest.py measured 21 to 25 bodies per
    commit with two workers against 12 to 15 with three, and PostgreSQL CPU per receipt 63
    to 81 us against 79 to 99 (one session, interleaved). Blocking workers (gthread, sync)
    keep the customary spare."""
    cores = os.cpu_count() or 1
    return min(cores if worker_class == "gevent" else cores + 1, 8)


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
    listening = (
        f"Receipts listens on every interface, port {endpoint.port}; from this machine:"
        f" {endpoint.base_url} ({where})."
        if endpoint.everywhere
        else f"Receipts is serving on {endpoint.base_url} ({where})."
    )
    return "\n".join(
        [
            listening,
            f"Dashboard: {endpoint.base_url}/ (sign in with the reporting API token below)",
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
    endpoint: Endpoint,
    workers: int,
    app: str,
    worker_class: str = DEFAULT_WORKER_CLASS,
    threads: int = DEFAULT_THREADS,
) -> list[str]:
    """gunicorn as `serve` runs it; bench/ingest.py runs its baseline app the same way."""
    model = ["--worker-class", worker_class]
    if worker_class == "gthread":
        model += ["--threads", str(threads)]
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
        "--no-control-socket",  # one instance's socket would be removed by the next one's
        "--config",
        "python:receipts.web.gunicorn_hooks",
        app,
    ]


def rollup_command(every: float = DEFAULT_EVERY) -> list[str]:
    """The periodic rollup refresh, so that summary requests never recount."""
    return [sys.executable, "-m", "receipts.cli", "report", "rollup", "--every", str(every)]


def child_commands(endpoint: Endpoint, workers: int) -> list[tuple[str, list[str]]]:
    forwarder = [sys.executable, "-m", "receipts.cli", "forward"]
    gunicorn = gunicorn_command(endpoint, workers, "receipts:create_app()")
    return [("gunicorn", gunicorn), ("forwarder", forwarder), ("rollup", rollup_command())]


# A child that dies within FAST_DEATH seconds of its start, DEATHS_AT_START times running,
# cannot start (a bad setting, a broken install): restarting it forever would hide that.
FAST_DEATH = 10.0
DEATHS_AT_START = 5
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass
class _Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    fast_deaths: int = 0
    restart_at: float | None = None


def supervise(
    commands: Sequence[tuple[str, list[str]]],
    env: dict[str, str],
    upkeep: Callable[[], None] | None = None,
    backoff: Sequence[float] = BACKOFF,
) -> int:
    """Run the named children until told to stop, restarting one that dies after a back-off;
    stop them all on Ctrl-C or SIGTERM (exit 0) or when one keeps dying at start (exit 1).

    `upkeep` runs every UPKEEP_EVERY seconds meanwhile (receipt partitions kept ahead).
    """
    stop = threading.Event()
    next_upkeep = time.monotonic() + UPKEEP_EVERY

    def start(child: _Child) -> None:
        child.process = subprocess.Popen(child.command, env=env)
        child.started, child.restart_at = time.monotonic(), None

    stop_on_signals(stop)
    children = [_Child(name, command) for name, command in commands]
    for child in children:
        start(child)
    exit_code = 0
    try:
        while not stop.is_set():
            now = time.monotonic()
            for child in children:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        start(child)
                    continue
                code = child.process.poll() if child.process else None
                if code is None:
                    continue
                child.fast_deaths = child.fast_deaths + 1 if now - child.started < FAST_DEATH else 0
                if child.fast_deaths >= DEATHS_AT_START:
                    click.echo(
                        f"receipts: {child.name} keeps dying at start (exit code {code}); stopping",
                        err=True,
                    )
                    exit_code = 1
                    stop.set()
                    break
                delay = backoff[min(child.fast_deaths, len(backoff) - 1)]
                click.echo(
                    f"receipts: {child.name} exited (code {code}); restarting in {delay:.0f} s",
                    err=True,
                )
                child.restart_at = now + delay
            if upkeep is not None and time.monotonic() >= next_upkeep:
                upkeep()
                next_upkeep = time.monotonic() + UPKEEP_EVERY
            time.sleep(0.2)
    finally:
        running = [c.process for c in children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + 15
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    return exit_code


def serve(config: Config, host: str, port: int, workers: int) -> int:
    embedded = config.database_url is None
    endpoint = Endpoint(host, port)
    endpoint.check_free()
    config, url = prepare(config)
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
