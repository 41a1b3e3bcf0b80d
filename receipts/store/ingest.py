"""Named queries of the write path: a webhook body and its receipts, in one statement.

The SQL functions they call (ingest_bodies and what it calls) are in store/schema.sql.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

import orjson
import psycopg

from receipts.mapping.receipt import Receipt

_INGEST_BODY = "SELECT body_id, stored, duplicates FROM ingest_body(%s, %s, %s, %s, %s, %s)"
_INGEST_BODIES = """
SELECT body_id, stored, duplicates
FROM ingest_bodies(%b::text[], %b::text[], %b::bytea[], %b::text[], %b::jsonb[], %b)"""

_STORE_BODY = """
INSERT INTO webhook_bodies
    (connector, content_type, body, outcome, mapping, error_code, error_detail)
VALUES (%s, %s, %s, %s, %s, %s, %s)
RETURNING id"""


@dataclass(frozen=True, slots=True)
class Ingested:
    body_id: int
    stored: int
    duplicates: int


_RECEIPT_FIELDS = tuple(field.name for field in fields(Receipt))


def _receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {name: getattr(receipt, name) for name in _RECEIPT_FIELDS}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def ingest_body(
    conn: psycopg.Connection,
    connector: str,
    content_type: str | None,
    body: bytes,
    mapping: str,
    receipts: tuple[Receipt, ...] | list[Receipt],
    forward_mode: str,
) -> Ingested:
    """Store the body and its receipts in one statement (one transaction, one round trip)."""
    row = conn.execute(
        _INGEST_BODY,
        (connector, content_type, body, mapping, receipts_json(receipts), forward_mode),
        prepare=True,
    ).fetchone()
    return Ingested(*row)


@dataclass(frozen=True, slots=True)
class BodyToIngest:
    """One webhook body and its receipts (as JSON, see receipts_json), waiting to be stored."""

    connector: str
    content_type: str | None
    body: bytes
    mapping: str
    receipts: str


def receipts_json(receipts: tuple[Receipt, ...] | list[Receipt]) -> str:
    """The receipts as ingest_body(ies) reads them; made by the request, not the committer."""
    return orjson.dumps([_receipt_json(receipt) for receipt in receipts], default=_default).decode()


def ingest_bodies(
    conn: psycopg.Connection, bodies: list[BodyToIngest], forward_mode: str
) -> list[Ingested]:
    """Store many bodies in one statement (one transaction, one round trip); input order."""
    rows = conn.execute(
        _INGEST_BODIES,
        (
            [item.connector for item in bodies],
            [item.content_type for item in bodies],
            [item.body for item in bodies],
            [item.mapping for item in bodies],
            [item.receipts for item in bodies],
            forward_mode,
        ),
        prepare=True,
        binary=True,
    ).fetchall()
    return [Ingested(*row) for row in rows]


def store_body(
    conn: psycopg.Connection,
    connector: str,
    content_type: str | None,
    body: bytes,
    outcome: str,
    mapping: str | None = None,
    error_code: str | None = None,
    error_detail: str | None = None,
) -> int:
    """Keep a body that makes no receipt: ignored by its mapping, or quarantined with why."""
    row = conn.execute(
        _STORE_BODY,
        (connector, content_type, body, outcome, mapping, error_code, error_detail),
        prepare=True,
    ).fetchone()
    return row[0]
