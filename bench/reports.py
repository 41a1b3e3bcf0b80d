"""Reporting at scale: load N receipts (COPY, generated here) spread over ~32 days, then time
the 30-day summary by day and by error with and without the hourly rollup, and a page of
/api/v1/receipts deep into the range.

    python bench/reports.py [--receipts 10000000] [--days 32] [--reuse]

Uses DATABASE_URL when set (it must be a throwaway database: tables are emptied), else an
embedded PostgreSQL in a temporary directory. With --reuse and DATABASE_URL, receipts a
previous run loaded are kept (the load is the slow part) and only the timings run again.
Then it adds receipts and times the incremental refresh: new messages a minute apart (the
1,000 span 17 hours, the 10,000 a week), and 10,000 receipts within one hour (live ingest).
Last, overdue messages: --overdue (default 3%) of the messages are left without a final
receipt past their window and the other non-final ones made recent, then it times what finds
them (the metric's count by channel, a page of `receipts report overdue`, one forward sweep of
1,000, the 30-day summary with overdue counts) beside a plain count of every message.
Each timing is the best of --repeat runs; the machine is shared, so read the figures as an
order of magnitude, not a promise.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from receipts.config import Config
from receipts.reports.summary import summarize
from receipts.store import migrate, overdue, reports
from receipts.store.embedded import start_embedded

START = datetime(2026, 1, 5, tzinfo=UTC)
SENDERS = ["ACME", "SHOP", "BANKOTP", "RIDES", "FOODIE", "TELCO", "NEWS", "CLINIC"]
COUNTRIES = [  # (prefix, weight)
    ("+65", 30), ("+62", 20), ("+91", 15), ("+63", 10), ("+60", 8),
    ("+44", 7), ("+1212", 5), ("+1416", 3), ("+61", 2),
]  # fmt: skip
ERRORS = [  # 8x8 SMS error codes and how often they appear among failures
    ("1", "Absent subscriber", 30), ("15", "Invalid destination", 20),
    ("36", "SMS expired", 15), ("43", "Spam filter", 10), ("46", "Subscriber not reachable", 10),
    ("59", "Unknown subscriber", 8), ("27", "Permanent operator error", 5),
    ("50", "Throttling error", 2),
]  # fmt: skip
RECEIPT_COLUMNS = (
    "connector, message_id, status, provider_status, provider_detail, final, event_at, "
    "received_at, recipient, sender, error_code, error_message, channel, segments, mapping, "
    "body_id"
)
MESSAGE_COLUMNS = (
    "connector, message_id, status, provider_status, provider_detail, event_at, "
    "first_event_at, final_at, recipient, sender, error_code, error_message, channel, segments, "
    "receipt_count"
)


def generate(count: int, days: int, seed: int = 7):
    """Yield (receipt rows, message row) per message until about `count` receipts."""
    rng = random.Random(seed)
    prefixes = [p for p, w in COUNTRIES for _ in range(w)]
    errors = [(c, m) for c, m, w in ERRORS for _ in range(w)]
    span = days * 86400
    made = 0
    while made < count:
        umid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        sent_at = START + timedelta(seconds=rng.random() * span)
        prefix = rng.choice(prefixes)
        recipient = prefix + str(rng.randrange(10**7, 10**8))
        sender = rng.choice(SENDERS)
        channel = "whatsapp" if rng.random() < 0.15 else "sms"
        roll = rng.random()
        latency = timedelta(seconds=min(rng.lognormvariate(2.3, 1.0), 48 * 3600))
        done_at = sent_at + latency
        events = [("sent", "sent", None, False, sent_at, None, None)]
        if roll < 0.80:
            if rng.random() < 0.3:
                events.append(
                    ("delivered", "delivered", "delivered_to_operator", False,
                     sent_at + latency / 3, None, None)
                )  # fmt: skip
            events.append(
                ("delivered", "delivered", "delivered_to_recipient", True, done_at, None, None)
            )
        elif roll < 0.92:
            code, message = rng.choice(errors)
            events.append(
                ("failed", "undelivered", "undelivered_to_recipient", True, done_at, code, message)
            )
        elif roll < 0.94:
            events.append(
                ("delivered", "delivered", "delivered_to_operator", False, done_at, None, None)
            )
        last = events[-1]
        final_at = last[4] if last[3] else None
        for status, state, detail, final, at, code, message in events:
            yield (
                "receipt",
                ("8x8", umid, status, state, detail, final, at, at, recipient, sender, code,
                 message, channel, 1, "8x8-sms"),
            )  # fmt: skip
        made += len(events)
        yield (
            "message",
            ("8x8", umid, last[0], last[1], last[2], last[4], sent_at, final_at, recipient,
             sender, last[5], last[6], channel, 1, len(events)),
        )  # fmt: skip


def load(conn: psycopg.Connection, count: int, days: int) -> tuple[int, int, float]:
    conn.execute("TRUNCATE forwards, receipts, messages, webhook_bodies, message_rollup_hourly")
    conn.execute("UPDATE message_rollup_state SET watermark = NULL")
    conn.execute(
        "SELECT ensure_receipt_partitions(%s, %s)",
        (START.date(), (START + timedelta(days=days + 31)).date()),
    )
    body_id = conn.execute(
        "INSERT INTO webhook_bodies (connector, body, outcome) VALUES ('8x8', '', 'receipt') "
        "RETURNING id"
    ).fetchone()[0]
    started = time.perf_counter()
    receipts = messages = 0
    message_rows = []
    with conn.cursor() as cursor:
        with cursor.copy(f"COPY receipts ({RECEIPT_COLUMNS}) FROM STDIN") as copy:
            for kind, row in generate(count, days):
                if kind == "receipt":
                    copy.write_row((*row, body_id))
                    receipts += 1
                    if receipts % 1_000_000 == 0:
                        print(f"  {receipts:,} receipts copied", file=sys.stderr)
                else:
                    message_rows.append(row)
        with cursor.copy(f"COPY messages ({MESSAGE_COLUMNS}) FROM STDIN") as copy:
            for row in message_rows:
                copy.write_row(row)
        messages = len(message_rows)
    conn.execute("VACUUM ANALYZE receipts")
    conn.execute("VACUUM ANALYZE messages")
    return receipts, messages, time.perf_counter() - started


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep receipts a run loaded")
    parser.add_argument("--overdue", type=float, default=0.03, help="share of messages overdue")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="receipts-bench-") as scratch:
        url = os.environ.get("DATABASE_URL") or start_embedded(
            Path(scratch) / "pgdata", cleanup="delete"
        )
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.upgrade(conn)
            if args.reuse and conn.execute("SELECT EXISTS (SELECT FROM receipts)").fetchone()[0]:
                remove_added_messages(conn)
                receipts = conn.execute("SELECT count(*) FROM receipts").fetchone()[0]
                messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
                print(f"reusing {receipts:,} receipts, {messages:,} messages")
            else:
                receipts, messages, seconds = load(conn, args.receipts, args.days)
                print(f"loaded {receipts:,} receipts, {messages:,} messages in {seconds:.0f} s")

            conn.execute("UPDATE message_rollup_state SET watermark = NULL")
            started = time.perf_counter()
            conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
            print(f"rollup built from scratch in {time.perf_counter() - started:.1f} s")
            rows = conn.execute("SELECT count(*) FROM message_rollup_hourly").fetchone()[0]
            print(f"rollup rows: {rows:,}")

            start = START + timedelta(days=1)
            end = start + timedelta(days=30)
            print(f"summary of 30 days [{start:%Y-%m-%d}, {end:%Y-%m-%d}), best of {args.repeat}:")
            for by in ("day", "error", "country"):
                rolled = best(args.repeat, lambda by=by: summarize(conn, start, end, by, True))
                exact = best(args.repeat, lambda by=by: summarize(conn, start, end, by, False))
                print(
                    f"  by={by:<8} rollup {rolled * 1000:8.1f} ms   messages {exact * 1000:8.1f} ms"
                )

            deep = (START + timedelta(days=20), 10**12)
            windows = Config.from_env({}).final_windows

            def pager(conn, filters, after, limit):
                return reports.list_receipts(conn, filters, after, limit, windows)

            window = {"from": start, "to": end}
            for label, filters in (
                ("no filter", window),
                ("status=failed", {**window, "status": "failed"}),
                ("error_code=43", {**window, "error_code": "43"}),
                ("country=GB", {**window, "country": "GB"}),
            ):
                page = best(args.repeat, lambda f=filters: pager(conn, f, deep, 101))
                print(
                    f"  /api/v1/receipts page of 100, 19 days deep, {label:<14} {page * 1e3:.1f} ms"
                )

            for count, step, label in (
                (1_000, "1 minute", "a minute apart"),
                (10_000, "1 minute", "a minute apart"),
                (10_000, "0.3 seconds", "within an hour"),
            ):
                add_messages(conn, count, start + timedelta(days=3), step)
                started = time.perf_counter()
                hours = refresh_now(conn)
                print(
                    f"incremental refresh after {count:,} new receipts {label}: {hours} hours "
                    f"recounted in {(time.perf_counter() - started) * 1000:.0f} ms"
                )
            started = time.perf_counter()
            hours = refresh_now(conn)
            print(f"refresh with nothing new: {(time.perf_counter() - started) * 1000:.0f} ms")
            time_overdue(conn, args.overdue, args.repeat, windows, start, end)


def time_overdue(conn, share: float, repeat: int, windows, start, end) -> None:
    """Leave `share` of the messages overdue, every other non-final one recent, and time what
    finds them against a count of all messages (what a scan of the table costs)."""
    total = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    conn.execute(
        """
        WITH open AS (
            SELECT connector, message_id, row_number() OVER (ORDER BY message_id) AS n
            FROM messages WHERE final_at IS NULL
        )
        UPDATE messages m
        SET event_at = CASE WHEN o.n <= %s THEN now() - interval '60 days'
                            ELSE now() - interval '1 hour' END,
            overdue_forwarded_at = NULL
        FROM open o WHERE m.connector = o.connector AND m.message_id = o.message_id""",
        (int(total * share),),
    )
    conn.execute("VACUUM ANALYZE messages")
    counts = overdue.overdue_by_channel(conn, windows)
    print(
        f"overdue: {sum(counts.values()):,} of {total:,} messages ({share:.0%}), best of {repeat}:"
    )
    scan = best(repeat, lambda: conn.execute("SELECT count(*) FROM messages").fetchone())
    by_channel = best(repeat, lambda: overdue.overdue_by_channel(conn, windows))
    page = best(repeat, lambda: overdue.overdue_messages(conn, windows, None, 1000))
    summary = best(repeat, lambda: summarize(conn, start, end, "country", True, windows))
    plain = best(repeat, lambda: summarize(conn, start, end, "country", True))
    print(f"  baseline: count every message (a scan)      {scan * 1000:8.1f} ms")
    print(f"  overdue by channel (the metric)             {by_channel * 1000:8.1f} ms")
    print(f"  receipts report overdue, 1,000 oldest       {page * 1000:8.1f} ms")
    print(f"  30-day summary by country, with overdue     {summary * 1000:8.1f} ms")
    print(f"  30-day summary by country, without          {plain * 1000:8.1f} ms")
    started = time.perf_counter()
    with conn.transaction():
        queued = overdue.forward_overdue(conn, windows, 1000)
        conn.execute("DELETE FROM forwards")  # keep the outbox as it was
    sweep = time.perf_counter() - started
    print(f"  one forward sweep: {queued:,} failed forwards queued in {sweep * 1000:.1f} ms")


def refresh_now(conn: psycopg.Connection) -> int:
    """A refresh whose watermark does not trail (the bench's receipts are all committed)."""
    return conn.execute("SELECT refresh_message_rollup(interval '0 seconds')").fetchone()[0]


def add_messages(conn: psycopg.Connection, count: int, first: datetime, step: str) -> None:
    """`count` new one-receipt messages, `step` apart from `first`, as ingest would leave them."""
    batch = f"bench-incremental-{uuid.uuid4()}-"
    conn.execute(
        "INSERT INTO receipts (connector, message_id, status, provider_status, final, "
        "event_at, recipient, mapping, body_id) SELECT '8x8', %s || g, 'sent', 'sent', false, "
        "%s + g * %s::interval, '+6591234567', '8x8-sms', 1 FROM generate_series(1, %s) g",
        (batch, first, step, count),
    )
    conn.execute(
        "INSERT INTO messages (connector, message_id, status, provider_status, event_at, "
        "first_event_at, recipient) SELECT connector, message_id, status, provider_status, "
        "event_at, event_at, recipient FROM receipts WHERE message_id LIKE %s",
        (batch + "%",),
    )


def remove_added_messages(conn: psycopg.Connection) -> None:
    conn.execute("DELETE FROM receipts WHERE message_id LIKE 'bench-incremental%%'")
    conn.execute("DELETE FROM messages WHERE message_id LIKE 'bench-incremental%%'")


if __name__ == "__main__":
    main()
