"""One authenticated body in, one answer out: receipt, ignored or quarantined, committed.

Anything that passed authentication is stored before the answer, whatever it holds: 8x8
retries every 4xx and 5xx, so a body we cannot map is quarantined and acknowledged instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from psycopg_pool import ConnectionPool

from receipts.mapping.compile import Unmappable
from receipts.mapping.engine import MappingSet
from receipts.store import queries
from receipts.store.group_commit import GroupCommitter
from receipts.store.queries import BodyToIngest
from receipts.webhooks.bodies import parse_body

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]


def accept(
    pool: ConnectionPool,
    mappings: MappingSet,
    forward_mode: str,
    connector: str,
    raw: bytes,
    content_type: str | None,
    strict: bool = False,
    committer: GroupCommitter | None = None,
) -> Answer:
    """Map and store one body. Database errors propagate (the caller answers 503).

    With a committer, the receipts share a transaction with concurrent requests' receipts."""
    try:
        body = parse_body(raw, content_type)
        mapped = mappings.map_body(connector, body)
    except Unmappable as error:
        return _quarantine(pool, connector, raw, content_type, error, strict)
    except Exception as error:  # a mapping bug must not lose the body: quarantine it
        log.exception("mapping failed for connector %s", connector)
        unexpected = Unmappable("mapping_error", f"{type(error).__name__} while mapping")
        return _quarantine(pool, connector, raw, content_type, unexpected, strict)

    if mapped.ignored:
        with pool.connection() as conn:
            queries.store_body(conn, connector, content_type, raw, "ignored", mapped.mapping)
        return Answer(200, {"received": 0})
    if committer is not None:
        receipts = queries.receipts_json(mapped.receipts)
        committer.ingest(BodyToIngest(connector, content_type, raw, mapped.mapping, receipts))
    else:
        with pool.connection() as conn:
            queries.ingest_body(
                conn, connector, content_type, raw, mapped.mapping, mapped.receipts, forward_mode
            )
    return Answer(200, {"received": len(mapped.receipts)})


def _quarantine(
    pool: ConnectionPool,
    connector: str,
    raw: bytes,
    content_type: str | None,
    error: Unmappable,
    strict: bool,
) -> Answer:
    with pool.connection() as conn:
        queries.store_body(
            conn, connector, content_type, raw, "quarantined", None, error.code, error.detail
        )
    problem = {"code": error.code, "detail": error.detail}
    if strict:
        return Answer(422, {"quarantined": True, "error": problem})
    return Answer(202, {"quarantined": True, "error": problem})
