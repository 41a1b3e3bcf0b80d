"""Forwards per second to a loopback MoEngage stand-in, next to a bare httpx loop, and the lag.

In one run, against the same stand-in and the same bodies (built by the real ingest path):
- bare loop: one httpx.Client POSTing the bodies one after another (the baseline), and the
  same client from `--concurrency` threads (what the hardware allows);
- forwarder: the outbox worker (`Forwarder`, `--concurrency` POSTs in flight) draining the
  same bodies from PostgreSQL, claims and records included;
- lag: receipts ingested at `--rate` per second while a forwarder runs with its default
  polling; the time from a receipt's commit to its POST arriving at the stand-in.

    python bench/forward.py [--forwards 3000] [--concurrency 16] [--rate 200] [--seconds 5]

PostgreSQL: `DATABASE_URL` (a fresh database is created there and dropped), else embedded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import orjson
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from receipts.forwarding.client import MoEngageClient  # noqa: E402
from receipts.forwarding.worker import Forwarder  # noqa: E402
from receipts.intake.accept import accept  # noqa: E402
from receipts.mapping.engine import MappingSet  # noqa: E402
from receipts.store import migrate  # noqa: E402
from receipts.store.embedded import scratch_database, start_embedded  # noqa: E402
from receipts.store.pool import open_pool  # noqa: E402
from tests.support.bodies import sms_receipt  # noqa: E402
from tests.support.moengage_stand_in import MoEngageStandIn  # noqa: E402


def receipt_body() -> bytes:
    return orjson.dumps(sms_receipt(client_message_id="bench"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def bare_rate(url: str, bodies: list[bytes], threads: int) -> float:
    headers = {"Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    with httpx.Client(headers=headers, limits=limits, timeout=10) as http:
        started = time.perf_counter()
        if threads == 1:
            for body in bodies:
                http.post(url, content=body).raise_for_status()
        else:
            with ThreadPoolExecutor(threads) as pool:
                for response in pool.map(lambda b: http.post(url, content=b), bodies):
                    response.raise_for_status()
        return len(bodies) / (time.perf_counter() - started)


def forwarder_rate(url: str, database_url: str, concurrency: int, count: int) -> float:
    pool = open_pool(database_url, max_size=2)
    with MoEngageClient(url, connections=concurrency) as client:
        forwarder = Forwarder(pool, client, concurrency=concurrency)
        started = time.perf_counter()
        tally = forwarder.run(threading.Event(), once=True)
        elapsed = time.perf_counter() - started
    pool.close()
    assert tally.done == count, tally
    return count / elapsed


def lag(
    stand_in: MoEngageStandIn, database_url: str, mappings: MappingSet, rate: int, seconds: float
) -> list[float]:
    """Seconds from each receipt's commit to its forward's arrival at the stand-in."""
    pool = open_pool(database_url, max_size=4)
    committed: dict[str, float] = {}
    stop = threading.Event()
    with MoEngageClient(stand_in.url) as client:
        forwarder = Forwarder(pool, client)  # production defaults: 16 in flight, 0.25 s polling
        worker = threading.Thread(target=forwarder.run, args=(stop,))
        worker.start()
        started = time.monotonic()
        for index in range(int(rate * seconds)):
            time.sleep(max(started + index / rate - time.monotonic(), 0))
            body = receipt_body()
            answer = accept(pool, mappings, "final", "8x8", body, "application/json")
            assert answer.status == 200
            committed[orjson.loads(body)["payload"]["umid"]] = time.monotonic()
        deadline = time.monotonic() + 30
        while len(stand_in.accepted()) < len(committed) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        worker.join()
    pool.close()
    return [post.at - committed[post.message_id] for post in stand_in.accepted()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forwards", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=int, default=200, help="receipts/s for the lag test")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    with ExitStack() as stack:
        server_url = os.environ.get("DATABASE_URL")
        if server_url:
            database_url = stack.enter_context(scratch_database(server_url))
        else:
            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            database_url = start_embedded(data / "pgdata", cleanup="delete")
        with psycopg.connect(database_url, autocommit=True) as conn:
            migrate.upgrade(conn)
        stand_in = MoEngageStandIn()
        stack.callback(stand_in.close)
        mappings = MappingSet.from_paths(REPO / "mappings")

        pool = open_pool(database_url, max_size=2)
        for _ in range(args.forwards):
            accept(pool, mappings, "final", "8x8", receipt_body(), "application/json")
        pool.close()
        with psycopg.connect(database_url, autocommit=True) as conn:
            bodies = [row[0].encode() for row in conn.execute("SELECT body::text FROM forwards")]
        print(f"{len(bodies)} forwards, {len(bodies[0])} bytes each, {os.cpu_count()} cores")

        sequential = bare_rate(stand_in.url, bodies, 1)
        threaded = bare_rate(stand_in.url, bodies, args.concurrency)
        forwarded = forwarder_rate(stand_in.url, database_url, args.concurrency, len(bodies))
        print(f"bare httpx loop, sequential:      {sequential:8.0f} POST/s")
        print(f"bare httpx, {args.concurrency:2d} threads:           {threaded:8.0f} POST/s")
        print(
            f"forwarder, {args.concurrency:2d} in flight:          {forwarded:8.0f} forwards/s"
            f"  ({forwarded / sequential:.2f}x sequential, {forwarded / threaded:.2f}x threaded)"
        )

        stand_in.reset()
        lags = lag(stand_in, database_url, mappings, args.rate, args.seconds)
        print(
            f"lag receipt commit -> MoEngage at {args.rate}/s for {args.seconds:.0f} s "
            f"({len(lags)} forwards): p50 {statistics.median(lags) * 1000:.0f} ms, "
            f"p99 {percentile(lags, 0.99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
