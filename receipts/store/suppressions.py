"""The suppression list: recipients whose latest outcome is a permanent failure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

# Each recipient's latest message (messages_by_recipient gives them in order); those whose
# latest outcome failed for good are listed, with how many of their messages did.
_SUPPRESSIONS = """
WITH latest AS (
    SELECT DISTINCT ON (recipient) recipient, status, permanent, reason_category, channel,
           event_at
    FROM messages
    WHERE recipient IS NOT NULL
    ORDER BY recipient, event_at DESC
)
SELECT l.recipient, l.reason_category, l.channel, l.event_at AS last_failed_at,
       (SELECT count(*) FROM messages m WHERE m.recipient = l.recipient AND m.permanent)
           AS failures
FROM latest l
WHERE l.status = 'failed' AND l.permanent AND l.event_at >= %(since)s
ORDER BY l.event_at DESC, l.recipient
LIMIT %(limit)s"""


def suppressions(
    conn: psycopg.Connection, since: datetime, limit: int | None
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(_SUPPRESSIONS, {"since": since, "limit": limit})
        return cursor.fetchall()
