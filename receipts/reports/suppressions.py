"""`GET /api/v1/suppressions` (and `.csv`): recipients to stop sending to.

A recipient is listed when the latest message to them failed for a permanent reason (a bad
number, no account on the channel, opted out); a later delivered message drops them. The CSV
is ready to upload into MoEngage as a segment to exclude.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context

from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.csv_export import csv_lines
from receipts.reports.params import load_query
from receipts.reports.schemas import SuppressionsQuerySchema, SuppressionsSchema
from receipts.store.suppressions import suppressions
from receipts.web.services import services

_query = SuppressionsQuerySchema()
_page = SuppressionsSchema()
CSV_COLUMNS = ("recipient", "reason_category", "channel", "failures", "last_failed_at")


def _rows() -> list[dict[str, Any]]:
    query = load_query(_query)
    with services().pool.connection() as conn:
        return suppressions(conn, query["since"], query.get("limit"))


@bp.get("/suppressions")
@require_api_token
def list_suppressions() -> dict:
    return _page.dump({"suppressions": _rows()})


@bp.get("/suppressions.csv")
@require_api_token
def suppressions_csv() -> Response:
    return Response(
        stream_with_context(suppression_lines(_rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="suppressions.csv"'},
    )


def suppression_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A header, then one line per recipient (times in ISO 8601 UTC)."""
    return csv_lines([CSV_COLUMNS, *([row[c] for c in CSV_COLUMNS] for row in rows)])
