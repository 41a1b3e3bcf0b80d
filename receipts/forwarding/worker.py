"""The outbox worker: claim due forwards, POST them concurrently, record what happened.

Claims are leases (see `receipts.store.forwards`): no row lock is held while MoEngage
answers, and a forward leased by one worker is invisible to every other worker until its
lease ends, so many workers on many machines never send the same forward at once. A worker
that dies after a POST but before recording it leaves the forward to be sent again when the
lease ends: at least once, never lost. The lease must outlast a POST (`timeout`) by a margin.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from receipts.config import Config
from receipts.forwarding.backoff import RetryPolicy, decide
from receipts.forwarding.client import MoEngageClient, MoEngageReply
from receipts.signals import stop_on_signals
from receipts.store import forwards, migrate, overdue, retention
from receipts.store.embedded import database_url
from receipts.store.forwards import ClaimedForward, ForwardState, Outcome
from receipts.store.overdue import Windows
from receipts.store.pool import open_pool

log = logging.getLogger(__name__)

_DATABASE_ERRORS = (psycopg.OperationalError, PoolTimeout)


@dataclass(frozen=True, slots=True)
class Tally:
    """What one run did: forwards sent (2xx), due again later, and given up."""

    done: int = 0
    retried: int = 0
    dead: int = 0

    def plus(self, outcomes: list[Outcome]) -> Tally:
        states = [outcome.state for outcome in outcomes]
        return Tally(
            self.done + states.count(ForwardState.DONE),
            self.retried + states.count(ForwardState.PENDING),
            self.dead + states.count(ForwardState.DEAD),
        )


class Forwarder:
    """Keeps up to `concurrency` POSTs in flight; claims more as slots free up.

    `idle` is how often an empty outbox is polled (and the lag of a new forward when idle);
    `lease` how long a claimed forward stays invisible to other workers.
    """

    def __init__(
        self,
        pool: ConnectionPool,
        client: MoEngageClient,
        policy: RetryPolicy | None = None,
        concurrency: int = 16,
        lease: float = 60.0,
        idle: float = 0.25,
        rng: random.Random | None = None,
        overdue: Windows | None = None,
        overdue_every: float = 60.0,
    ) -> None:
        self.pool = pool
        self.client = client
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        self.lease = lease
        self.idle = idle
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
        self._database_down_since: float | None = None
        # MOENGAGE_FORWARD_OVERDUE=failed: the channel windows, swept every `overdue_every` s.
        self.overdue = overdue
        self.overdue_every = overdue_every
        self._next_sweep = 0.0

    def run(self, stop: threading.Event, once: bool = False) -> Tally:
        """Forward until `stop` is set (or, with `once`, until nothing is due), then drain."""
        tally = Tally()
        in_flight: dict[Future[MoEngageReply], ClaimedForward] = {}
        unrecorded: list[Outcome] = []
        next_claim = 0.0
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="forward") as executor:
            while True:
                free = self.concurrency - len(in_flight)
                claiming = not stop.is_set() and time.monotonic() >= next_claim
                claiming = claiming and (free * 4 >= self.concurrency or not in_flight)
                # Answers are recorded in groups, next to a claim: two round trips per group.
                if unrecorded and (claiming or not in_flight or stop.is_set()):
                    self._record(unrecorded)
                    unrecorded = []
                if claiming and self.overdue and time.monotonic() >= self._next_sweep:
                    self._sweep_overdue()
                if claiming:
                    claimed = self._claim(free)
                    for forward in claimed:
                        in_flight[executor.submit(self.client.send, forward.body)] = forward
                    if len(claimed) < free:  # the outbox is drained: poll again later
                        if once and not in_flight:
                            break
                        next_claim = time.monotonic() + self.idle
                if not in_flight:
                    if stop.is_set():
                        break
                    stop.wait(max(next_claim - time.monotonic(), 0.0))
                    continue
                # Wake for the next poll only when one is pending; else on the next answer.
                until_poll = next_claim - time.monotonic()
                timeout = until_poll if until_poll > 0 and not stop.is_set() else None
                finished, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                outcomes = [self._outcome(in_flight.pop(f), f.result()) for f in finished]
                unrecorded.extend(outcomes)
                tally = tally.plus(outcomes)
        return tally

    def _sweep_overdue(self) -> None:
        """Queue, once, the `failed` forward of messages that became overdue (issue 14)."""
        self._next_sweep = time.monotonic() + self.overdue_every
        try:
            with self.pool.connection() as conn:
                queued = overdue.forward_overdue(conn, self.overdue)
        except _DATABASE_ERRORS as error:
            self._database_trouble(error)
            return
        if queued:
            log.info("%d overdue message(s) forwarded as failed (no_final_receipt)", queued)

    def _claim(self, limit: int) -> list[ClaimedForward]:
        try:
            with self.pool.connection() as conn:
                claimed = forwards.claim_due_forwards(conn, limit, self.lease)
        except _DATABASE_ERRORS as error:
            self._database_trouble(error)
            return []
        if self._database_down_since is not None:
            log.info("database reachable again; forwarding resumes")
            self._database_down_since = None
        return claimed

    def _record(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        try:
            with self.pool.connection() as conn:
                forwards.record_outcomes(conn, outcomes)
        except _DATABASE_ERRORS as error:
            # Not lost: the leases end and these forwards are sent again (at least once).
            log.warning(
                "could not record %d forward outcomes (%s); they will be sent again",
                len(outcomes),
                type(error).__name__,
            )
            self._database_trouble(error)
            return
        for outcome in outcomes:
            if outcome.state == ForwardState.DEAD:
                log.warning(
                    "forward %d for message %s is dead after %d attempts: %s %s",
                    outcome.forward.id,
                    outcome.forward.message_id,
                    outcome.forward.attempts,
                    outcome.http_status,
                    outcome.error,
                )

    def _outcome(self, forward: ClaimedForward, answer: MoEngageReply) -> Outcome:
        decision = decide(answer, forward.attempts, forward.age, self.policy, self._rng)
        return Outcome(
            forward,
            decision.state,
            decision.delay,
            decision.refund,
            answer.http_status,
            answer.error,
        )

    def _database_trouble(self, error: Exception) -> None:
        if self._database_down_since is None:
            self._database_down_since = time.monotonic()
            log.warning("database unavailable (%s); forwarding waits", type(error).__name__)


def paused_message(pending: int | None) -> str:
    waiting = "forwards wait" if pending is None else f"{pending} forwards wait"
    return f"MOENGAGE_DLR_URL is not set: forwarding is paused; {waiting} in the outbox"


def forward_until_signalled(
    config: Config, once: bool, concurrency: int, lease: float
) -> Tally | None:
    """`receipts forward`: run the worker until SIGTERM or Ctrl-C (in-flight POSTs are
    finished and recorded) or, with `once`, until what is due has been sent."""
    stop = threading.Event()
    stop_on_signals(stop)
    return run_worker(config, stop, once=once, concurrency=concurrency, lease=lease)


def run_worker(
    config: Config,
    stop: threading.Event,
    once: bool = False,
    concurrency: int = 16,
    lease: float = 60.0,
    policy: RetryPolicy | None = None,
) -> Tally | None:
    """The `receipts forward` process: a pool, a client, a Forwarder; None while paused."""
    pool = open_pool(database_url(config), max_size=2, timeout=5.0)
    try:
        if not _schema_ready(pool, stop):
            return None
        _keep_partitions_ahead(pool)
        if not config.moengage_dlr_url:
            log.warning(paused_message(_pending_or_none(pool)))
            if not once:
                stop.wait()
            return None
        # A POST must end well within its lease, or a second worker could send it meanwhile.
        timeout = min(10.0, lease / 2)
        with MoEngageClient(
            config.moengage_dlr_url, config.moengage_auth, timeout, connections=concurrency
        ) as client:
            log.info("forwarding to %s", _shown(config.moengage_dlr_url))
            windows = config.final_windows if config.moengage_forward_overdue == "failed" else None
            forwarder = Forwarder(
                pool, client, policy, concurrency=concurrency, lease=lease, overdue=windows
            )
            return forwarder.run(stop, once)
    finally:
        pool.close()


def _schema_ready(pool: ConnectionPool, stop: threading.Event, poll: float = 2.0) -> bool:
    """Wait (saying so once) until the database is reachable and migrated; False if stopped."""
    said = None
    while not stop.is_set():
        try:
            with pool.connection() as conn:
                version = migrate.current_version(conn)
        except _DATABASE_ERRORS as error:
            why = f"database unavailable ({type(error).__name__})"
        else:
            if version is not None and version >= migrate.latest_version():
                return True
            why = f"database schema at version {version}, needs {migrate.latest_version()}"
        if why != said:
            log.warning("%s; forwarding waits for it (receipts db upgrade)", why)
            said = why
        stop.wait(poll)
    return False


def _keep_partitions_ahead(pool: ConnectionPool) -> None:
    """Each start of the Procfile's long-running worker (platforms restart it daily) makes
    the coming months' receipt partitions, as `receipts serve` does hourly."""
    try:
        with pool.connection() as conn:
            retention.keep_partitions_ahead(conn)
    except _DATABASE_ERRORS as error:
        log.warning("receipt partitions not checked (%s)", type(error).__name__)


def _pending_or_none(pool: ConnectionPool) -> int | None:
    try:
        with pool.connection() as conn:
            return forwards.pending_count(conn)
    except _DATABASE_ERRORS:
        return None


def _shown(url: str) -> str:
    """The URL without its query string, which may carry a credential."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
