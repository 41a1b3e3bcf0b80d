"""`GET /api/v1/reports/summary` and its `.csv` twin."""

from __future__ import annotations

from flask import Response, stream_with_context

from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.csv_export import summary_lines
from receipts.reports.params import load_query
from receipts.reports.schemas import SummaryQuerySchema, SummarySchema
from receipts.reports.summary import Summary, summarize
from receipts.web.services import services

_query = SummaryQuerySchema()
_summary = SummarySchema()


def _summary_for_request() -> Summary:
    query = load_query(_query)
    config = services().config
    with services().pool.connection() as conn:
        return summarize(
            conn, query["from"], query["to"], query["by"], windows=config.final_windows
        )


@bp.get("/reports/summary")
@require_api_token
def summary() -> dict:
    return _summary.dump(_summary_for_request())


@bp.get("/reports/summary.csv")
@require_api_token
def summary_csv() -> Response:
    result = _summary_for_request()
    name = f"summary-{result.by}-{result.start:%Y%m%dT%H%M}-{result.end:%Y%m%dT%H%M}.csv"
    return Response(
        stream_with_context(summary_lines(result)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
