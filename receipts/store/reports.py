"""Named queries that reports read the store with; optional filters are `IS NULL OR` guards.

Statements run unprepared on purpose: PostgreSQL then plans each with its parameter values,
folds the guards of absent filters away and prunes receipt partitions by the time range.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from receipts.store.overdue import Windows
from receipts.store.overdue import params as overdue_params

_LIST_RECEIPTS = """
SELECT id, connector, message_id, client_message_id, status, provider_status, provider_detail,
       final, event_at, received_at, recipient, sender, error_code, error_message,
       provider_error_code, channel, price, currency, segments, batch_id, client_batch_id,
       mapping
FROM receipts
WHERE (%(from)s::timestamptz IS NULL OR event_at >= %(from)s)
  AND (%(to)s::timestamptz IS NULL OR event_at < %(to)s)
  AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(connector)s::text IS NULL OR connector = %(connector)s)
  AND (%(channel)s::text IS NULL OR channel = lower(%(channel)s))
  AND (%(sender)s::text IS NULL OR sender = %(sender)s)
  AND (%(error_code)s::text IS NULL OR error_code = %(error_code)s)
  AND (%(client_batch_id)s::text IS NULL OR client_batch_id = %(client_batch_id)s)
  AND (%(country)s::text IS NULL OR recipient_country(recipient) = %(country)s)
  AND (NOT %(overdue)s OR EXISTS (
       SELECT 1 FROM messages m
       WHERE m.connector = receipts.connector AND m.message_id = receipts.message_id
         AND is_overdue(m.final_at, m.event_at, m.channel,
             %(channels)s, %(secs)s, %(default)s, %(shortest)s)))
  AND (%(after_at)s::timestamptz IS NULL
       OR (event_at, id) < (%(after_at)s::timestamptz, %(after_id)s::bigint))
ORDER BY event_at DESC, id DESC
LIMIT %(limit)s"""

RECEIPT_FILTERS = (
    "from",
    "to",
    "status",
    "connector",
    "channel",
    "sender",
    "error_code",
    "client_batch_id",
    "country",
)

# Group expressions by `by=`: over message_facts (exact) and over the hourly rollup.
_FACTS_GROUP = {
    "day": "date_trunc('day', first_event_at, 'UTC')",
    "hour": "date_trunc('hour', first_event_at)",
    "status": "status",
    "error": "error_code",
    "sender": "sender",
    "country": "recipient_country",
    "channel": "channel",
    "reason": "reason_category",
}
_ROLLUP_GROUP = {
    "day": "date_trunc('day', hour, 'UTC')",
    "hour": "hour",
    "status": "status",
    "error": "nullif(key, '')",
    "sender": "nullif(key, '')",
    "country": "nullif(key, '')",
    "channel": "nullif(key, '')",
    "reason": "nullif(key, '')",
}
ROLLUP_DIMENSION = {
    "day": "all",
    "hour": "all",
    "status": "all",
    "error": "error",
    "sender": "sender",
    "country": "country",
    "channel": "channel",
    "reason": "reason",
}
GROUPINGS = tuple(_FACTS_GROUP)

_FACTS_SUMMARY = """
SELECT {facts_group} AS grp, status, latency_bucket, count(*) AS n
FROM message_facts
WHERE first_event_at >= %(from)s AND first_event_at < %(to)s
GROUP BY 1, 2, 3"""

# The rollup is exact, as of its last refresh, for the hours before the one that refresh ran
# in; the hours from there on (the ones still being written) are counted from the messages.
# The boundary is read first and passed as a value, so the planner reads those recent
# messages by index; it is NULL (everything from the messages) before the first build.
_ROLLED_UNTIL = """
SELECT CASE WHEN watermark IS NOT NULL THEN date_trunc('hour', refreshed_at) END
FROM message_rollup_state"""

_ROLLUP_SUMMARY = """
SELECT {rollup_group} AS grp, status, NULL::smallint AS latency_bucket,
       sum(messages - final_messages) AS n
FROM message_rollup_hourly
WHERE dimension = %(dimension)s AND hour >= %(from)s AND hour < %(to)s
  AND hour < %(until)s AND hour <> ALL (%(touched)s::timestamptz[])
GROUP BY 1, 2
HAVING sum(messages - final_messages) > 0
UNION ALL
SELECT {rollup_group} AS grp, status, u.bucket, sum(u.n) AS n
FROM message_rollup_hourly, unnest(latency_buckets, latency_counts) AS u(bucket, n)
WHERE dimension = %(dimension)s AND hour >= %(from)s AND hour < %(to)s
  AND hour < %(until)s AND hour <> ALL (%(touched)s::timestamptz[])
GROUP BY 1, 2, 3
UNION ALL
SELECT {facts_group} AS grp, status, latency_bucket, count(*) AS n
FROM message_facts
WHERE first_event_at >= greatest(%(from)s, %(until)s)  -- greatest() skips a NULL
  AND first_event_at < %(to)s
GROUP BY 1, 2, 3
UNION ALL
SELECT {facts_group} AS grp, status, latency_bucket, count(*) AS n
FROM unnest(%(touched)s::timestamptz[]) AS h (hour)
JOIN message_facts
  ON first_event_at >= h.hour AND first_event_at < h.hour + interval '1 hour'
WHERE h.hour >= %(from)s AND h.hour < %(to)s AND h.hour < %(until)s
GROUP BY 1, 2, 3"""

# Read your writes: the rolled-up hours that receipts committed since the last refresh moved
# (every hour of a touched message's receipts, as refresh_message_rollup recounts them) are
# answered from the messages instead, so a summary counts every receipt committed before it.
_TOUCHED_HOURS = """
SELECT coalesce(array_agg(DISTINCT date_trunc('hour', r.event_at)), '{}')
FROM (SELECT DISTINCT connector, message_id FROM receipts
      WHERE id > (SELECT watermark FROM message_rollup_state)) AS fresh
JOIN receipts r USING (connector, message_id)"""

# The provider codes under each failure reason of a summary (failures are few: read them).
_REASON_CODES = """
SELECT reason_category, error_code, count(*) AS n
FROM messages
WHERE first_event_at >= %(from)s AND first_event_at < %(to)s AND status = 'failed'
GROUP BY 1, 2
ORDER BY 3 DESC, 2"""

# Overdue messages per group: relative to now, so counted from the messages (by the
# non-final index), never rolled up.
_OVERDUE_SUMMARY = """
SELECT {facts_group} AS grp, count(*) AS n
FROM message_facts
WHERE first_event_at >= %(from)s AND first_event_at < %(to)s
  AND is_overdue(final_at, event_at, channel,
      %(channels)s, %(secs)s, %(default)s, %(shortest)s)
GROUP BY 1"""

_REFRESH_ROLLUP = "SELECT refresh_message_rollup()"
_REFRESH_ROLLUP_IF_DUE = """
SELECT refresh_message_rollup() FROM message_rollup_state
WHERE watermark IS NULL OR refreshed_at IS NULL OR refreshed_at < now() - %(max_age)s"""
_FORWARDS_BY_STATE = "SELECT state, count(*) FROM forwards GROUP BY state"
_OLDEST_PENDING_FORWARD = """
SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
FROM forwards WHERE state = 'pending'"""


def list_receipts(
    conn: psycopg.Connection,
    filters: dict[str, Any],
    after: tuple[datetime, int] | None,
    limit: int,
    windows: Windows,
) -> list[dict]:
    """Receipts newest first, strictly after the `after` keyset position; `overdue` in the
    filters keeps the receipts of overdue messages (by the channel `windows`)."""
    params = {name: filters.get(name) for name in RECEIPT_FILTERS}
    params |= {"overdue": bool(filters.get("overdue")), **overdue_params(windows)}
    params["after_at"], params["after_id"] = after or (None, None)
    params["limit"] = limit
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(_LIST_RECEIPTS, params).fetchall()


def summary_rows(
    conn: psycopg.Connection, start: datetime, end: datetime, by: str, from_rollup: bool
) -> list[tuple[Any, str, int | None, int]]:
    """(group, status, latency bucket or None for messages not final, count) over a range.

    A group may come in several rows for one status and bucket (rollup and recent hours):
    callers add them up.
    """
    template = _ROLLUP_SUMMARY if from_rollup else _FACTS_SUMMARY
    statement = sql.SQL(template).format(
        rollup_group=sql.SQL(_ROLLUP_GROUP[by]), facts_group=sql.SQL(_FACTS_GROUP[by])
    )
    params = {"from": start, "to": end, "dimension": ROLLUP_DIMENSION[by]}
    if from_rollup:
        params["until"] = conn.execute(_ROLLED_UNTIL).fetchone()[0]
        params["touched"] = conn.execute(_TOUCHED_HOURS).fetchone()[0]
    return conn.execute(statement, params).fetchall()


def overdue_rows(
    conn: psycopg.Connection, start: datetime, end: datetime, by: str, windows: Windows
) -> list[tuple[Any, int]]:
    """(group, overdue messages) over a range, by the same groups as summary_rows."""
    statement = sql.SQL(_OVERDUE_SUMMARY).format(facts_group=sql.SQL(_FACTS_GROUP[by]))
    return conn.execute(statement, {"from": start, "to": end, **overdue_params(windows)}).fetchall()


def reason_codes(
    conn: psycopg.Connection, start: datetime, end: datetime
) -> list[tuple[str | None, str | None, int]]:
    """(reason category, provider error code, failed messages) in the range, most first."""
    return conn.execute(_REASON_CODES, {"from": start, "to": end}).fetchall()


def refresh_rollup(conn: psycopg.Connection) -> int:
    """Recount the hours touched since the last refresh; -1 when another refresh is running."""
    return conn.execute(_REFRESH_ROLLUP).fetchone()[0]


def refresh_rollup_if_due(conn: psycopg.Connection, max_age: timedelta) -> int | None:
    """Refresh when the last refresh is older than `max_age` (None when it is not): what a
    summary pays at most, once per `max_age`, when no periodic refresh keeps the rollup."""
    row = conn.execute(_REFRESH_ROLLUP_IF_DUE, {"max_age": max_age}).fetchone()
    return None if row is None else row[0]


def forwards_by_state(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute(_FORWARDS_BY_STATE).fetchall())


def oldest_pending_forward_age(conn: psycopg.Connection) -> float:
    """Seconds since the oldest pending forward was queued; 0 when none waits."""
    return conn.execute(_OLDEST_PENDING_FORWARD).fetchone()[0]
