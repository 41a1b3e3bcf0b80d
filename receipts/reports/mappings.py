"""`GET /api/v1/mappings`: the mapping files in force and what detection learned."""

from __future__ import annotations

from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.schemas import MappingsSchema
from receipts.store import detected
from receipts.web.services import services

_schema = MappingsSchema()


@bp.get("/mappings")
@require_api_token
def list_mappings() -> dict:
    state = services()
    with state.pool.connection() as conn:
        learned = detected.all_latest(conn)
    files = [compiled.spec for compiled in state.mappings.mappings]
    return _schema.dump({"files": files, "detected": learned})
