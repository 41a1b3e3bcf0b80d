"""`GET /api/v1/forwards?state=`: the outbox to MoEngage, newest first, with counts per state
and the forwarding health (the oldest pending forward's age, MoEngage's last answer)."""

from __future__ import annotations

from flask import Response

from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.params import load_query
from receipts.reports.schemas import ForwardsPageSchema, ForwardsQuerySchema
from receipts.store import forwards, reports
from receipts.store.forwards import ForwardState
from receipts.web.services import services

_query_schema = ForwardsQuerySchema()
_page_schema = ForwardsPageSchema()


@bp.get("/forwards")
@require_api_token
def list_forwards() -> Response | tuple[Response, int]:
    query = load_query(_query_schema)
    with services().pool.connection() as conn:
        counts = forwards.count_by_state(conn)
        items = forwards.list_forwards(
            conn, query.get("state"), query["limit"], query.get("before")
        )
        oldest = reports.oldest_pending_forward_age(conn) if counts[ForwardState.PENDING] else None
        last = forwards.last_answer(conn)
    next_before = items[-1]["id"] if len(items) == query["limit"] else None
    return _page_schema.dump(
        {
            "counts": counts,
            "items": items,
            "next_before": next_before,
            "oldest_pending_age_seconds": oldest,
            "last_answer": last,
        }
    )
