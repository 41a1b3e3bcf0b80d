"""`receipts replay --dead`: dead forwards become due again, with a fresh retry window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from receipts.store import forwards


@dataclass(frozen=True, slots=True)
class DeadForward:
    id: int
    message_id: str
    status: str
    attempts: int
    dead_at: datetime
    last_http_status: int | None
    last_error: str | None

    def line(self) -> str:
        answer = self.last_http_status if self.last_http_status is not None else "no answer"
        error = " ".join((self.last_error or "").split())[:120]
        return (
            f"would re-queue forward {self.id}: message {self.message_id} {self.status}, "
            f"dead since {self.dead_at.isoformat()} after {self.attempts} attempts "
            f"(last: {answer}{': ' + error if error else ''})"
        )


def dead_forwards(conn: psycopg.Connection, since: datetime | None) -> list[DeadForward]:
    return [
        DeadForward(
            row["id"],
            row["message_id"],
            row["status"],
            row["attempts"],
            row["dead_at"],
            row["last_http_status"],
            row["last_error"],
        )
        for row in forwards.dead_forwards(conn, since)
    ]


def requeue_dead(conn: psycopg.Connection, since: datetime | None) -> int:
    """Re-queue the forwards that died at or after `since` (all when None); returns how many."""
    return forwards.requeue_dead(conn, since)
