"""Overdue messages: not final, and their latest status older than their channel's window.

Every query reads messages_open_by_event (non-final messages by event time) from the oldest up
to now minus the shortest window, then applies each message's own channel window, so it costs
what is old and open, not the size of the messages table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

Windows = Sequence[tuple[str, float]]  # (channel or "default", seconds)

# Each query reads the index up to now minus the shortest window (the first test on event_at),
# then applies the message's own channel window: is_overdue, migration 0011.
_LIST = """
SELECT m.connector, m.message_id, m.client_message_id, m.status, m.channel, m.recipient,
       recipient_country(m.recipient) AS country, m.event_at AS last_event_at,
       now() - m.event_at AS age, m.overdue_forwarded_at
FROM messages m
WHERE is_overdue(m.final_at, m.event_at, m.channel,
    %(channels)s, %(secs)s, %(default)s, %(shortest)s)
  AND (%(channel)s::text IS NULL OR m.channel = lower(%(channel)s))
ORDER BY m.event_at
LIMIT %(limit)s"""

_BY_CHANNEL = """
SELECT coalesce(m.channel, 'unknown') AS channel, count(*) AS n
FROM messages m
WHERE is_overdue(m.final_at, m.event_at, m.channel,
    %(channels)s, %(secs)s, %(default)s, %(shortest)s)
GROUP BY 1"""

# The `failed` forward, once, for overdue messages not forwarded yet; a real final receipt
# arriving later is still the message's first final outcome, so it is forwarded as usual.
_FORWARD = """
WITH due AS (
    SELECT m.connector, m.message_id
    FROM messages m
    WHERE is_overdue(m.final_at, m.event_at, m.channel,
        %(channels)s, %(secs)s, %(default)s, %(shortest)s)
      AND m.overdue_forwarded_at IS NULL
    ORDER BY m.event_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE messages m SET overdue_forwarded_at = now()
    FROM due
    WHERE m.connector = due.connector AND m.message_id = due.message_id
    RETURNING m.*
)
INSERT INTO forwards (connector, message_id, status, body)
SELECT connector, message_id, 'failed', overdue_forward_body(ROW(marked.*)::messages)
FROM marked"""


def params(windows: Windows) -> dict[str, Any]:
    by_channel = dict(windows)
    default = by_channel.pop("default")
    return {
        "channels": list(by_channel),
        "secs": list(by_channel.values()),
        "default": default,
        "shortest": min([default, *by_channel.values()]),
    }


def overdue_messages(
    conn: psycopg.Connection, windows: Windows, channel: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(_LIST, {**params(windows), "channel": channel, "limit": limit})
        return cursor.fetchall()


def overdue_by_channel(conn: psycopg.Connection, windows: Windows) -> dict[str, int]:
    return dict(conn.execute(_BY_CHANNEL, params(windows)).fetchall())


def forward_overdue(conn: psycopg.Connection, windows: Windows, limit: int = 1000) -> int:
    """Queue the `failed` forward of up to `limit` newly overdue messages; how many."""
    with conn.transaction():
        return conn.execute(_FORWARD, {**params(windows), "limit": limit}).rowcount
