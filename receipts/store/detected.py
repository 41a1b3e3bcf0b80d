"""Named queries for detected mappings: the shared memory of what detection learned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

_LATEST = """
SELECT version, mapping, confidences, sample_count FROM detected_mappings
WHERE connector = %s ORDER BY version DESC LIMIT 1"""

_RECORD = """
INSERT INTO detected_mappings (connector, version, mapping, confidences, sample_count)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (connector, version) DO NOTHING"""

_COUNT_SAMPLES = """
UPDATE detected_mappings SET sample_count = greatest(sample_count, %s)
WHERE connector = %s AND version = %s"""

_ALL_LATEST = """
SELECT DISTINCT ON (connector) connector, version, mapping, confidences, sample_count, created_at
FROM detected_mappings ORDER BY connector, version DESC"""

_RECENT_BODIES = """
SELECT body, content_type FROM webhook_bodies
WHERE connector = %s AND outcome IN ('receipt', 'quarantined')
ORDER BY id DESC LIMIT %s"""


@dataclass(frozen=True)
class DetectedRow:
    connector: str
    version: int
    mapping: str
    confidences: dict[str, Any]
    sample_count: int


def latest(conn: psycopg.Connection, connector: str) -> DetectedRow | None:
    row = conn.execute(_LATEST, (connector,)).fetchone()
    return None if row is None else DetectedRow(connector, *row)


def record(conn: psycopg.Connection, row: DetectedRow) -> bool:
    """False when another process recorded this version first (its row then wins)."""
    cursor = conn.execute(
        _RECORD,
        (
            row.connector,
            row.version,
            row.mapping,
            orjson.dumps(row.confidences).decode(),
            row.sample_count,
        ),
    )
    return cursor.rowcount == 1


def count_samples(conn: psycopg.Connection, connector: str, version: int, samples: int) -> None:
    """More samples agreed with this version: it settles once it has seen enough."""
    conn.execute(_COUNT_SAMPLES, (samples, connector, version))


def all_latest(conn: psycopg.Connection) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cursor:
        return cursor.execute(_ALL_LATEST).fetchall()


def recent_bodies(conn: psycopg.Connection, connector: str, limit: int) -> list[tuple[bytes, str]]:
    return conn.execute(_RECENT_BODIES, (connector, limit)).fetchall()
