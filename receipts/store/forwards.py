"""Named queries of the outbox (`forwards`): claim, record, list, count, re-queue.

A claim is a lease, not a held lock: one short statement picks due rows with
`FOR UPDATE SKIP LOCKED`, stamps them with a lease token and pushes `next_attempt_at` to the
lease's end, and commits. The POST happens outside any transaction, so ingest never waits on
MoEngage; a worker that dies mid-POST leaves rows that fall due again when the lease ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg
from psycopg.rows import dict_row


class ForwardState(StrEnum):
    """Where a forward is: waiting to be (re)tried, accepted by MoEngage, or given up."""

    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


FORWARD_STATES: tuple[ForwardState, ...] = tuple(ForwardState)

_CLAIM_DUE = """
WITH due AS (
    SELECT id FROM forwards
    WHERE state = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE forwards AS f
SET attempts = f.attempts + 1,
    lease = %(lease)s,
    next_attempt_at = now() + make_interval(secs => %(lease_seconds)s)
FROM due
WHERE f.id = due.id
RETURNING f.id, f.message_id, f.body::text, f.attempts,
          extract(epoch FROM now() - f.queued_at)::float8, f.created_at"""

# One statement records a whole group of answers. A success is recorded whoever holds the
# lease (it was delivered); a retry or a death only by the claim that still owns the row.
_RECORD_OUTCOMES = """
UPDATE forwards AS f
SET state = r.state,
    sent_at = CASE WHEN r.state = 'done' THEN now() ELSE f.sent_at END,
    dead_at = CASE WHEN r.state = 'dead' THEN now() END,
    next_attempt_at = CASE WHEN r.state = 'pending'
        THEN now() + make_interval(secs => r.delay) ELSE f.next_attempt_at END,
    attempts = f.attempts - r.refund,
    last_http_status = r.http_status,
    last_error = r.error,
    answered_at = now(),
    lease = NULL
FROM unnest(%s::bigint[], %s::uuid[], %s::text[], %s::float8[], %s::int[], %s::int[],
            %s::text[]) AS r(id, lease, state, delay, refund, http_status, error)
WHERE f.id = r.id AND f.state = 'pending' AND (r.state = 'done' OR f.lease = r.lease)"""

_COUNT_BY_STATE = "SELECT state, count(*) FROM forwards GROUP BY state"

_LIST = """
SELECT id, connector, message_id, status, state, attempts, created_at, next_attempt_at,
       sent_at, dead_at, last_http_status, last_error, body
FROM forwards
WHERE (%(state)s::text IS NULL OR state = %(state)s)
  AND (%(before)s::bigint IS NULL OR id < %(before)s)
ORDER BY id DESC
LIMIT %(limit)s"""

_DEAD_SINCE = """
SELECT id, connector, message_id, status, attempts, dead_at, last_http_status, last_error
FROM forwards
WHERE state = 'dead' AND (%(since)s::timestamptz IS NULL OR dead_at >= %(since)s)
ORDER BY dead_at, id"""

_REQUEUE_DEAD = """
UPDATE forwards
SET state = 'pending', attempts = 0, next_attempt_at = now(), queued_at = now(),
    dead_at = NULL, lease = NULL
WHERE state = 'dead' AND (%(since)s::timestamptz IS NULL OR dead_at >= %(since)s)"""

_PENDING_COUNT = "SELECT count(*) FROM forwards WHERE state = 'pending'"

_LAST_ANSWER = """
SELECT last_http_status AS status, last_error AS error, answered_at AS at
FROM forwards
WHERE answered_at IS NOT NULL
ORDER BY answered_at DESC
LIMIT 1"""


@dataclass(frozen=True, slots=True)
class ClaimedForward:
    """A forward this worker owns until its lease ends."""

    id: int
    message_id: str
    body: str
    attempts: int
    age: float  # seconds since its retry window opened, by the database's clock
    lease: uuid.UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed forward: `done`, `pending` again after `delay`, or `dead`."""

    forward: ClaimedForward
    state: ForwardState
    delay: float = 0.0
    refund: bool = False  # a throttled answer does not use up an attempt
    http_status: int | None = None
    error: str | None = None


def claim_due_forwards(
    conn: psycopg.Connection, limit: int, lease_seconds: float
) -> list[ClaimedForward]:
    """Lease up to `limit` due forwards; no other worker gets them until the lease ends."""
    lease = uuid.uuid4()
    rows = conn.execute(
        _CLAIM_DUE,
        {"limit": limit, "lease": lease, "lease_seconds": lease_seconds},
        prepare=True,
    ).fetchall()
    return [ClaimedForward(row[0], row[1], row[2], row[3], row[4], lease, row[5]) for row in rows]


def record_outcomes(conn: psycopg.Connection, outcomes: Sequence[Outcome]) -> int:
    """Mark forwards done, due again, or dead, in one statement; returns the rows changed."""
    if not outcomes:
        return 0
    cursor = conn.execute(
        _RECORD_OUTCOMES,
        (
            [o.forward.id for o in outcomes],
            [o.forward.lease for o in outcomes],
            [o.state for o in outcomes],
            [o.delay for o in outcomes],
            [int(o.refund) for o in outcomes],
            [o.http_status for o in outcomes],
            [o.error for o in outcomes],
        ),
        prepare=True,
    )
    return cursor.rowcount


def count_by_state(conn: psycopg.Connection) -> dict[str, int]:
    counts = dict.fromkeys(FORWARD_STATES, 0)
    counts.update(dict(conn.execute(_COUNT_BY_STATE).fetchall()))
    return counts


def last_answer(conn: psycopg.Connection) -> dict[str, Any] | None:
    """MoEngage's most recent answer to any forward (status, error, at), or None."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(_LAST_ANSWER).fetchone()


def pending_count(conn: psycopg.Connection) -> int:
    return conn.execute(_PENDING_COUNT).fetchone()[0]


def list_forwards(
    conn: psycopg.Connection, state: str | None, limit: int, before: int | None = None
) -> list[dict]:
    """Newest first; `before` is the last id of the previous page (keyset pagination)."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(_LIST, {"state": state, "limit": limit, "before": before}).fetchall()


def dead_forwards(conn: psycopg.Connection, since: datetime | None) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(_DEAD_SINCE, {"since": since}).fetchall()


def requeue_dead(conn: psycopg.Connection, since: datetime | None) -> int:
    """Dead forwards (that died at or after `since`) become due now, with a fresh window."""
    return conn.execute(_REQUEUE_DEAD, {"since": since}).rowcount
