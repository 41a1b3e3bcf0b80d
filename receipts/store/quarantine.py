"""Named queries for the quarantine: bodies kept because no mapping could read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

_QUARANTINED = """
SELECT id, connector, content_type, body, received_at, error_code
FROM webhook_bodies
WHERE outcome = 'quarantined' AND (%(since)s::timestamptz IS NULL OR received_at >= %(since)s)
ORDER BY id"""

# The API's page: newest first, strictly after the (received_at, id) keyset position.
_PAGE = """
SELECT id AS body_id, connector, error_code AS reason, error_detail AS detail, received_at,
       content_type
FROM webhook_bodies
WHERE outcome = 'quarantined'
  AND (%(connector)s::text IS NULL OR connector = %(connector)s)
  AND (%(from)s::timestamptz IS NULL OR received_at >= %(from)s)
  AND (%(to)s::timestamptz IS NULL OR received_at < %(to)s)
  AND (%(after_at)s::timestamptz IS NULL
       OR (received_at, id) < (%(after_at)s::timestamptz, %(after_id)s::bigint))
ORDER BY received_at DESC, id DESC
LIMIT %(limit)s"""
_COUNT = """
SELECT count(*) FROM webhook_bodies
WHERE outcome = 'quarantined'
  AND (%(connector)s::text IS NULL OR connector = %(connector)s)
  AND (%(from)s::timestamptz IS NULL OR received_at >= %(from)s)
  AND (%(to)s::timestamptz IS NULL OR received_at < %(to)s)"""

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


def quarantine_page(
    conn: psycopg.Connection,
    filters: dict[str, Any],
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of quarantined bodies (never the bodies themselves) and how many match."""
    params = {name: filters.get(name) for name in ("connector", "from", "to")}
    params["after_at"], params["after_id"] = after or (None, None)
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_PAGE, {**params, "limit": limit}).fetchall()
    return rows, conn.execute(_COUNT, params).fetchone()[0]


def mark_replayed(conn: psycopg.Connection, body_id: int, replayed_as: int) -> bool:
    """False when another replay took this body first: the caller rolls back its copy."""
    return conn.execute(_MARK_REPLAYED, (replayed_as, body_id)).rowcount == 1
