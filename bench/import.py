"""`receipts import` receipts/s, against a plain COPY of the same rows in the same run.

Writes N NDJSON lines of 8x8 SMS receipts (a realistic mix of states, a few duplicates, one
line in a thousand unparseable) to a temporary file, imports it into a fresh database
(embedded PostgreSQL in a temporary dir, or a new database on DATABASE_URL's server), then
COPYs the same mapped rows into an unindexed, unpartitioned table: the floor no importer can
beat. Mapping alone (Python) is timed too, since it is the import's other half.

    python bench/import.py [--lines 500000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import orjson
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from receipts.intake import backfill  # noqa: E402
from receipts.intake.bodies import parse_body  # noqa: E402
from receipts.mapping.engine import MappingSet  # noqa: E402
from receipts.store import importing, migrate  # noqa: E402
from receipts.store.embedded import scratch_database  # noqa: E402
from tests.support.bodies import sms_receipt  # noqa: E402
from tests.support.postgres import EmbeddedPostgres  # noqa: E402

STATES = (
    ("delivered", "delivered_to_recipient"),
    ("delivered", "delivered_to_operator"),
    ("sent", None),
    ("undelivered", "undelivered_to_recipient"),
)
_BASELINE_TABLE = """
CREATE TEMP TABLE plain_copy (
    line integer, connector text, message_id text, client_message_id text, status text,
    provider_status text, provider_detail text, final boolean, event_at timestamptz,
    recipient text, sender text, error_code text, error_message text, provider_error_code text,
    channel text, price numeric, currency text, segments integer, batch_id text,
    client_batch_id text, reason_category text, permanent boolean, mapping text)"""


def write_lines(path: Path, lines: int) -> None:
    rng = random.Random(8)
    previous = b""
    with path.open("wb") as out:
        for number in range(lines):
            if number % 1000 == 999:
                out.write(b"{truncated by a bad export\n")
                continue
            if number % 100 == 50 and previous:
                out.write(previous)  # 8x8 retried: the same receipt twice
                continue
            state, detail = rng.choice(STATES)
            body = sms_receipt(
                str(uuid.UUID(int=rng.getrandbits(128))),
                state,
                detail,
                timestamp=f"2026-{rng.randint(8, 11):02d}-{rng.randint(1, 28):02d}"
                f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.31Z",
                error_code=1 if state == "undelivered" else None,
                error_message="Absent subscriber" if state == "undelivered" else None,
                price=0.0415,
            )
            previous = orjson.dumps(body) + b"\n"
            out.write(previous)


def mapped_rows(path: Path, mappings: MappingSet, batch: int = 20_000):
    """The rows the import COPYs into staging, in batches, with the time mapping them took."""
    rows: list[tuple] = []
    spent = 0.0
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            started = time.perf_counter()
            try:
                mapped = mappings.map_body("8x8", parse_body(line, "application/json"))
            except Exception:  # noqa: S112 - quarantined lines make no rows
                continue
            finally:
                spent += time.perf_counter() - started
            rows.extend(
                importing.receipt_row(number, "8x8", mapped.mapping, receipt)
                for receipt in mapped.receipts
            )
            if len(rows) >= batch:
                yield rows, spent
                rows, spent = [], 0.0
    if rows:
        yield rows, spent


def plain_copy(
    conn: psycopg.Connection, path: Path, mappings: MappingSet
) -> tuple[int, float, float]:
    conn.execute(_BASELINE_TABLE)
    copied, copying, mapping = 0, 0.0, 0.0
    for rows, spent in mapped_rows(path, mappings):
        mapping += spent
        started = time.perf_counter()
        with conn.cursor().copy("COPY plain_copy FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(importing._RECEIPT_TYPES)
            for row in rows:
                copy.write_row(row)
        copying += time.perf_counter() - started
        copied += len(rows)
    return copied, copying, mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500_000)
    args = parser.parse_args()
    mappings = MappingSet.from_paths(REPO / "mappings")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="receipts-bench-")))
        server = os.environ.get("DATABASE_URL")
        url = (
            stack.enter_context(scratch_database(server))
            if server
            else EmbeddedPostgres(folder / "pgdata").url
        )
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.upgrade(conn)
        path = folder / "receipts.ndjson"
        write_lines(path, args.lines)
        size = path.stat().st_size

        with backfill.store_connections(url) as connections:
            summary = backfill.import_files(connections, mappings, [path])
        import_rate = summary.receipts / summary.seconds
        with psycopg.connect(url, autocommit=True) as conn:
            copied, copying, mapping = plain_copy(conn, path, mappings)
        copy_rate = copied / copying

    print(
        f"{args.lines} NDJSON lines ({size / 1e6:.0f} MB), {os.cpu_count()} cores, "
        f"PostgreSQL {'DATABASE_URL' if server else 'embedded'}"
    )
    print(summary.line())
    print(f"receipts import: {import_rate:>10,.0f} receipts/s  ({import_rate * 60:,.0f}/min)")
    print(f"plain COPY:      {copy_rate:>10,.0f} receipts/s  (same {copied} rows, unindexed table)")
    store_rate = summary.receipts / summary.storing_seconds
    print(
        f"import's store:  {store_rate:>10,.0f} receipts/s  per connection, "
        f"{backfill.STORE_CONNECTIONS} at once (COPY to staging + set-based SQL)"
    )
    print(f"mapping alone:   {copied / mapping:>10,.0f} receipts/s  (Python, one core)")
    print(f"import / plain COPY: {import_rate / copy_rate:.2f}")


if __name__ == "__main__":
    main()
