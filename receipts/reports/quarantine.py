"""`GET /api/v1/quarantine`: bodies kept because no mapping could read them, newest first.

Each says why (the reason code and its detail), for which connector and when; `receipts
replay --quarantined` runs them again once a mapping is fixed.
"""

from __future__ import annotations

from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.params import decode_cursor, keyset_page, load_query
from receipts.reports.schemas import QuarantinePageSchema, QuarantineQuerySchema
from receipts.store.quarantine import quarantine_page
from receipts.web.services import services

_query = QuarantineQuerySchema()
_page = QuarantinePageSchema()


@bp.get("/quarantine")
@require_api_token
def list_quarantine() -> dict:
    query = load_query(_query)
    after = decode_cursor(query["next"]) if query.get("next") else None
    limit = query["limit"]
    with services().pool.connection() as conn:
        rows, count = quarantine_page(conn, query, after, limit + 1)
    page, cursor = keyset_page(rows, limit, "received_at", "body_id")
    return _page.dump({"quarantine": page, "count": count, "next": cursor})
