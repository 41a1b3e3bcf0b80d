"""`GET /api/v1/receipts`: receipts filtered and paged newest first by an opaque cursor."""

from __future__ import annotations

from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.params import decode_cursor, keyset_page, load_query
from receipts.reports.schemas import ReceiptPageSchema, ReceiptsQuerySchema
from receipts.store import reports
from receipts.web.services import services

_query = ReceiptsQuerySchema()
_page = ReceiptPageSchema()


@bp.get("/receipts")
@require_api_token
def list_receipts() -> dict:
    query = load_query(_query)
    if query.get("country"):
        query["country"] = query["country"].upper()
    after = decode_cursor(query["next"]) if query.get("next") else None
    limit = query["limit"]
    with services().pool.connection() as conn:
        rows = reports.list_receipts(conn, query, after, limit + 1, services().config.final_windows)
    page, cursor = keyset_page(rows, limit, "event_at", "id")
    return _page.dump({"receipts": page, "next": cursor})
