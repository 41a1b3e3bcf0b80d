"""`receipts replay --quarantined`: run kept bodies through today's mappings.

A body that now maps is stored as a new row (with its receipts) and the quarantined row is
marked `replayed` in the same transaction, so a second replay, even a concurrent one, finds
nothing left to do; receipts deduplicate anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg_pool import ConnectionPool

from receipts.intake.accept import read_body, store_mapped
from receipts.mapping.compile import Unmappable
from receipts.mapping.engine import DetectedMappingSource, Mapped, MappingSet
from receipts.store import quarantine


@dataclass(frozen=True)
class Replayed:
    body_id: int
    connector: str
    receipts: int  # receipts the body makes now; -1 while it still cannot be mapped
    detail: str

    def line(self, dry_run: bool) -> str:
        """One line per body, saying one thing: what happens (or would) to it."""
        where = f"body {self.body_id} ({self.connector})"
        if self.receipts < 0:
            return f"{where}: still quarantined: {self.detail}"
        verb = "would be stored as" if dry_run else "stored as"
        return f"{where}: {verb} {self.receipts} receipt(s) by {self.detail}"


def replay_quarantined(
    pool: ConnectionPool,
    mappings: MappingSet,
    forward_mode: str,
    since: datetime | None = None,
    dry_run: bool = False,
    learner: DetectedMappingSource | None = None,
) -> Iterator[Replayed]:
    with pool.connection() as conn:
        bodies = quarantine.quarantined(conn, since)
    for kept in bodies:
        raw = bytes(kept.body)
        try:
            mapped = read_body(mappings, kept.connector, raw, kept.content_type, learner)
        except Unmappable as error:
            yield Replayed(kept.id, kept.connector, -1, f"{error.code}: {error.detail}")
            continue
        if not dry_run and not _store(pool, kept, raw, mapped, forward_mode):
            continue  # another replay took it
        yield Replayed(kept.id, kept.connector, len(mapped.receipts), mapped.mapping)


def _store(
    pool: ConnectionPool,
    kept: quarantine.QuarantinedBody,
    raw: bytes,
    mapped: Mapped,
    forward_mode: str,
) -> bool:
    """Store the replayed body and retire the quarantined one, both or neither."""
    with pool.connection() as conn, conn.transaction() as transaction:
        stored = store_mapped(conn, kept.connector, kept.content_type, raw, mapped, forward_mode)
        if quarantine.mark_replayed(conn, kept.id, stored.body_id):
            return True
        raise psycopg.Rollback(transaction)
    return False
