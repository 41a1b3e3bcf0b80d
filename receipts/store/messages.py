"""Named queries that look a message up: by the provider's id or the sender's, and its receipts."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

_FIND_MESSAGE = """
SELECT * FROM messages
WHERE message_id = %(id)s OR client_message_id = %(client_id)s
ORDER BY (message_id = %(id)s) DESC, updated_at DESC
LIMIT 1"""

_MESSAGE_TIMELINE = """
SELECT status, provider_status, provider_detail, final, event_at, received_at, error_code,
       error_message, provider_error_code, mapping
FROM receipts
WHERE connector = %s AND message_id = %s
ORDER BY event_at, id"""


def find_message(conn: psycopg.Connection, message_id: str, client_id: str) -> dict | None:
    """A message by the provider's id (normalized) or by the sender's own id."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(_FIND_MESSAGE, {"id": message_id, "client_id": client_id}).fetchone()


def message_timeline(conn: psycopg.Connection, connector: str, message_id: str) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(_MESSAGE_TIMELINE, (connector, message_id)).fetchall()
