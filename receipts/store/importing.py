"""Backfill storage: a batch of bodies and receipts COPYed into staging, then stored set-based.

The SQL (`begin_receipt_import`, `finish_receipt_import`, `ensure_import_partitions`) lives in
migration 0005; this module only streams rows and calls it, one transaction per batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import psycopg

from receipts.mapping.receipt import Receipt

_BEGIN = "SELECT begin_receipt_import()"
_FINISH = "SELECT bodies, stored, duplicates, forwards FROM finish_receipt_import(%s, %s)"
_ENSURE_PARTITIONS = "SELECT ensure_import_partitions(%s::date[])"
_COPY_BODIES = """
COPY import_bodies (line, connector, content_type, body, outcome, mapping, receipts, error_code,
                    error_detail)
FROM STDIN (FORMAT BINARY)"""
_BODY_TYPES = ("int4", "text", "text", "bytea", "text", "text", "int4", "text", "text")
_COPY_RECEIPTS = """
COPY import_receipts (line, connector, message_id, client_message_id, status, provider_status,
                      provider_detail, final, event_at, recipient, sender, error_code,
                      error_message, provider_error_code, channel, price, currency, segments,
                      batch_id, client_batch_id, reason_category, permanent, mapping)
FROM STDIN (FORMAT BINARY)"""
_RECEIPT_TYPES = (
    "int4", "text", "text", "text", "text", "text", "text", "bool", "timestamptz", "text",
    "text", "text", "text", "text", "text", "numeric", "text", "int4", "text", "text", "text",
    "bool", "text",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StagedBody:
    """One NDJSON line as the webhook would have stored it."""

    line: int
    connector: str
    body: bytes
    outcome: str  # 'receipt', 'ignored' or 'quarantined'
    mapping: str | None = None
    receipts: int = 0
    error_code: str | None = None
    error_detail: str | None = None
    content_type: str | None = "application/json"


@dataclass(frozen=True, slots=True)
class BatchResult:
    bodies: int
    stored: int
    duplicates: int
    forwards: int


def receipt_row(line: int, connector: str, mapping: str, receipt: Receipt) -> tuple:
    return (
        line,
        connector,
        receipt.message_id,
        receipt.client_message_id,
        receipt.status,
        receipt.provider_status,
        receipt.provider_detail,
        receipt.final,
        receipt.event_at,
        receipt.recipient,
        receipt.sender,
        receipt.error_code,
        receipt.error_message,
        receipt.provider_error_code,
        receipt.channel,
        receipt.price,
        receipt.currency,
        receipt.segments,
        receipt.batch_id,
        receipt.client_batch_id,
        receipt.reason_category,
        receipt.permanent,
        mapping,
    )


def ensure_partitions(conn: psycopg.Connection, months: Iterable[date]) -> int:
    """Create the months' partitions in a transaction of their own; returns how many."""
    with conn.transaction():
        return conn.execute(_ENSURE_PARTITIONS, (sorted(set(months)),)).fetchone()[0]


def store_batch(
    conn: psycopg.Connection,
    bodies: Iterable[StagedBody],
    receipt_rows: Iterable[tuple],
    forward_mode: str,
    forward: bool,
) -> BatchResult:
    """One transaction: COPY the batch into staging, then store it with set-based SQL."""
    with conn.transaction():
        conn.execute(_BEGIN)
        with conn.cursor() as cursor:
            with cursor.copy(_COPY_BODIES) as copy:
                copy.set_types(_BODY_TYPES)
                for staged in bodies:
                    copy.write_row(
                        (
                            staged.line,
                            staged.connector,
                            staged.content_type,
                            staged.body,
                            staged.outcome,
                            staged.mapping,
                            staged.receipts,
                            staged.error_code,
                            staged.error_detail,
                        )
                    )
            with cursor.copy(_COPY_RECEIPTS) as copy:
                copy.set_types(_RECEIPT_TYPES)
                for row in receipt_rows:
                    copy.write_row(row)
        return BatchResult(*conn.execute(_FINISH, (forward_mode, forward)).fetchone())
