"""Named queries for the quarantine: bodies kept because no mapping could read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

_QUARANTINED = """
SELECT id, connector, content_type, body, received_at, error_code
FROM webhook_bodies
WHERE outcome = 'quarantined' AND (%(since)s::timestamptz IS NULL OR received_at >= %(since)s)
ORDER BY id"""

_MARK_REPLAYED = """
UPDATE webhook_bodies SET outcome = 'replayed', replayed_as = %s
WHERE id = %s AND outcome = 'quarantined'"""


@dataclass(frozen=True)
class QuarantinedBody:
    id: int
    connector: str
    content_type: str | None
    body: bytes
    received_at: datetime
    error_code: str | None


def quarantined(conn: psycopg.Connection, since: datetime | None) -> list[QuarantinedBody]:
    rows = conn.execute(_QUARANTINED, {"since": since}).fetchall()
    return [QuarantinedBody(*row) for row in rows]


def mark_replayed(conn: psycopg.Connection, body_id: int, replayed_as: int) -> bool:
    """False when another replay took this body first: the caller rolls back its copy."""
    return conn.execute(_MARK_REPLAYED, (replayed_as, body_id)).rowcount == 1
