"""Forwarders for the tests: in-process workers with millisecond backoff, stopped at teardown."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from receipts.forwarding.backoff import RetryPolicy
from receipts.forwarding.client import MoEngageClient
from receipts.forwarding.worker import Forwarder, Tally
from receipts.mapping.receipt import Receipt
from receipts.store import ingest
from receipts.store.pool import open_pool
from tests.support.bodies import new_umid

# The production curve, a thousand times faster: retries after ~1, 2, 4, 8 ms.
FAST = RetryPolicy(base=0.001, max_delay=0.05, max_age=60.0, max_retry_after=5.0)


@dataclass
class RunningForwarder:
    forwarder: Forwarder
    stop_event: threading.Event
    thread: threading.Thread
    tally: Tally | None = None

    def stop(self) -> Tally | None:
        self.stop_event.set()
        self.thread.join(30)
        self.forwarder.client.close()
        self.forwarder.pool.close()
        return self.tally


def start_forwarder(
    database_url: str,
    moengage_url: str,
    policy: RetryPolicy = FAST,
    authorization: str | None = None,
    concurrency: int = 8,
    lease: float = 30.0,
    idle: float = 0.02,
    timeout: float = 5.0,
    overdue: tuple[tuple[str, float], ...] | None = None,
) -> RunningForwarder:
    pool = open_pool(database_url, max_size=2, timeout=5.0)
    client = MoEngageClient(moengage_url, authorization, timeout, connections=concurrency)
    forwarder = Forwarder(
        pool,
        client,
        policy,
        concurrency=concurrency,
        lease=lease,
        idle=idle,
        overdue=overdue,
        overdue_every=0.05,
    )
    stop = threading.Event()
    running = RunningForwarder(forwarder, stop, threading.Thread(daemon=True))

    def run() -> None:
        running.tally = forwarder.run(stop)

    running.thread = threading.Thread(target=run, name="test-forwarder", daemon=True)
    running.thread.start()
    return running


def enqueue_outcomes(db: psycopg.Connection, count: int, mode: str = "final") -> set[str]:
    """`count` messages with a final outcome, stored as one body (fast set-up for bulk tests)."""
    receipts = [
        Receipt(
            message_id=new_umid(),
            status="failed" if index % 4 == 0 else "delivered",
            provider_status="undelivered" if index % 4 == 0 else "delivered",
            final=True,
            event_at=datetime.now(UTC),
            channel="sms",
        )
        for index in range(count)
    ]
    ingest.ingest_body(db, "8x8", "application/json", b"[]", "8x8-sms", receipts, mode)
    return {receipt.message_id for receipt in receipts}
