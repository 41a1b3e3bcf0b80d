"""Stored failures read again with the current reason vocabulary (`receipts db reclassify`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import psycopg

if TYPE_CHECKING:
    from receipts.mapping.reclassify import ReasonsByMapping

_COUNT_FAILED = "SELECT count(*) FROM receipts WHERE status = 'failed'"
_FAILED_AFTER = """
SELECT id, event_at, connector, message_id, mapping, error_code, provider_error_code,
       provider_detail, provider_status, error_message, channel
FROM receipts
WHERE status = 'failed' AND id > %s
ORDER BY id
LIMIT %s"""
_SET_RECEIPT_REASONS = """
UPDATE receipts r SET reason_category = u.category, permanent = u.permanent
FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::boolean[])
    AS u (id, event_at, category, permanent)
WHERE r.id = u.id AND r.event_at = u.event_at"""
# A failed message takes the reason of its latest failed receipt.
_SET_MESSAGE_REASONS = """
UPDATE messages m SET reason_category = x.reason_category, permanent = x.permanent
FROM (
    SELECT DISTINCT ON (r.connector, r.message_id)
           r.connector, r.message_id, r.reason_category, r.permanent
    FROM receipts r
    JOIN unnest(%s::text[], %s::text[]) AS k (connector, message_id)
      ON r.connector = k.connector AND r.message_id = k.message_id
    WHERE r.status = 'failed'
    ORDER BY r.connector, r.message_id, r.event_at DESC
) x
WHERE m.connector = x.connector AND m.message_id = x.message_id AND m.status = 'failed'"""


@dataclass(frozen=True, slots=True)
class StoredFailure:
    id: int
    event_at: datetime
    connector: str
    message_id: str
    mapping: str
    error_code: str | None
    provider_error_code: str | None
    provider_detail: str | None
    provider_status: str
    error_message: str | None
    channel: str | None


def count_failed(conn: psycopg.Connection) -> int:
    return conn.execute(_COUNT_FAILED).fetchone()[0]


def failed_after(conn: psycopg.Connection, after_id: int, limit: int) -> list[StoredFailure]:
    return [StoredFailure(*row) for row in conn.execute(_FAILED_AFTER, (after_id, limit))]


def set_reasons(
    conn: psycopg.Connection,
    failures: Sequence[StoredFailure],
    reasons: Sequence[tuple[str, bool]],
) -> None:
    """One transaction: the receipts' reasons, then their messages' (if still failed)."""
    with conn.transaction():
        conn.execute(
            _SET_RECEIPT_REASONS,
            (
                [f.id for f in failures],
                [f.event_at for f in failures],
                [category for category, _ in reasons],
                [permanent for _, permanent in reasons],
            ),
        )
        conn.execute(
            _SET_MESSAGE_REASONS,
            ([f.connector for f in failures], [f.message_id for f in failures]),
        )


def reclassify_failures(
    conn: psycopg.Connection,
    readers: ReasonsByMapping,
    batch: int,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Read every stored failure again, `batch` at a time in id order, each with the reason
    reader of the mapping that made it; `progress` hears each batch's size. Returns how many."""
    done = 0
    after = 0
    while failures := failed_after(conn, after, batch):
        read = [
            readers.reader(f.mapping).read_failure(
                f.error_code,
                f.provider_error_code,
                f.provider_detail,
                f.provider_status,
                f.error_message,
                f.channel,
            )
            for f in failures
        ]
        set_reasons(conn, failures, [(r.category, r.permanent) for r in read])
        after, done = failures[-1].id, done + len(failures)
        progress(len(failures))
    return done
