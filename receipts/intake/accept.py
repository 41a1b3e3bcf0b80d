"""One authenticated body in, one answer out: receipt, ignored or quarantined, committed.

Anything that passed authentication is stored before the answer, whatever it holds: 8x8
retries every 4xx and 5xx, so a body we cannot map is quarantined and acknowledged instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from receipts.intake.bodies import parse_body
from receipts.mapping.compile import Unmappable
from receipts.mapping.engine import DetectedMappingSource, Mapped, MappingSet
from receipts.store import ingest
from receipts.store.group_commit import GroupCommitter
from receipts.store.ingest import BodyToIngest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    outcomes: dict[str, int] = field(default_factory=dict)  # for metrics: stored, duplicate...


def read_body(
    mappings: MappingSet,
    connector: str,
    raw: bytes,
    content_type: str | None,
    learner: DetectedMappingSource | None = None,
) -> Mapped:
    """Parse and map; every failure, even a bug in a mapping, becomes Unmappable."""
    try:
        return mappings.map_body(connector, parse_body(raw, content_type), learner)
    except Unmappable:
        raise
    except psycopg.Error:
        raise  # the learner reads the store: an unreachable database is a 503, not a quarantine
    except Exception as error:
        log.exception("mapping failed for connector %s", connector)
        raise Unmappable("mapping_error", f"{type(error).__name__} while mapping") from None


@dataclass(frozen=True, slots=True)
class Stored:
    body_id: int
    outcomes: dict[str, int]  # for metrics: stored, duplicate, ignored


def store_mapped(
    conn: psycopg.Connection,
    connector: str,
    content_type: str | None,
    raw: bytes,
    mapped: Mapped,
    forward_mode: str,
) -> Stored:
    """Commit a mapped body (its receipts, or the ignored body alone)."""
    if mapped.ignored:
        body_id = ingest.store_body(conn, connector, content_type, raw, "ignored", mapped.mapping)
        return Stored(body_id, {"ignored": 1})
    ingested = ingest.ingest_body(
        conn, connector, content_type, raw, mapped.mapping, mapped.receipts, forward_mode
    )
    return Stored(ingested.body_id, {"stored": ingested.stored, "duplicate": ingested.duplicates})


def accept(
    pool: ConnectionPool,
    mappings: MappingSet,
    forward_mode: str,
    connector: str,
    raw: bytes,
    content_type: str | None,
    strict: bool = False,
    learner: DetectedMappingSource | None = None,
    committer: GroupCommitter | None = None,
) -> Answer:
    """Map and store one body. Database errors propagate (the caller answers 503).

    With a committer, the receipts share a transaction with concurrent requests' receipts."""
    try:
        mapped = read_body(mappings, connector, raw, content_type, learner)
    except Unmappable as error:
        with pool.connection() as conn:
            body_id = ingest.store_body(
                conn, connector, content_type, raw, "quarantined", None, error.code, error.detail
            )
        # The reason, never the body: it may hold personal data.
        log.info("quarantined body %s (%s): %s", body_id, connector, error.code)
        problem = {"code": error.code, "detail": error.detail}
        body = {"quarantined": True, "error": problem}
        return Answer(422 if strict else 202, body, {"quarantined": 1})
    if committer is not None and not mapped.ignored:
        receipts = ingest.receipts_json(mapped.receipts)
        ingested = committer.ingest(
            BodyToIngest(connector, content_type, raw, mapped.mapping, receipts)
        )
        outcomes = {"stored": ingested.stored, "duplicate": ingested.duplicates}
        return Answer(200, {"received": len(mapped.receipts)}, outcomes)
    with pool.connection() as conn:
        stored = store_mapped(conn, connector, content_type, raw, mapped, forward_mode)
    return Answer(200, {"received": len(mapped.receipts)}, stored.outcomes)
