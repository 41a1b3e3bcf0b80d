"""Retention: receipts are partitioned by month, so old months are dropped, not deleted by row.

Partitions for the coming months are made ahead by `receipts db upgrade` and kept ahead by a
long-running `receipts serve`; rows whose month has no partition land in the default partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

# From last month (late receipts) to four months ahead; older or later times use the default.
ENSURE_PARTITIONS_AHEAD = """
SELECT ensure_receipt_partitions(
    (date_trunc('month', now()) - interval '1 month')::date,
    (date_trunc('month', now()) + interval '5 months')::date)"""


_PRUNE = """
SELECT partitions, default_rows, messages_deleted, bodies_deleted FROM prune_receipts(%s)"""


@dataclass(frozen=True, slots=True)
class Pruned:
    partitions: int  # monthly partitions dropped
    default_rows: int  # out-of-range receipts deleted from the default partition
    messages: int  # messages left without any receipt
    bodies: int  # raw webhook bodies received before the month

    def line(self, before: date) -> str:
        return (
            f"pruned before {before:%Y-%m}: {self.partitions} monthly partitions dropped,"
            f" {self.default_rows} receipts from the default partition,"
            f" {self.messages} messages, {self.bodies} webhook bodies"
        )


def prune_before(conn: psycopg.Connection, month: date) -> Pruned:
    """Drop every receipt of the months before `month`, in one transaction."""
    with conn.transaction():
        return Pruned(*conn.execute(_PRUNE, (month,)).fetchone())


def keep_partitions_ahead(conn: psycopg.Connection) -> int:
    """Partitions from last month to four months ahead; returns how many were created."""
    with conn.transaction():
        return conn.execute(ENSURE_PARTITIONS_AHEAD).fetchone()[0]
