"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Response

from receipts.store import migrate
from receipts.web.errors import json_error
from receipts.web.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> dict | tuple[Response, int]:
    try:
        with services().pool.connection() as conn:
            version = migrate.current_version(conn)
    except Exception:  # any failure to reach the database means "not ready", not a 500
        return json_error(503, "database_unavailable", "the database is unreachable")
    expected = migrate.latest_version()
    if version != expected:
        return json_error(503, "migrations_pending", f"schema at {version}, expected {expected}")
    return {"status": "ready", "schema_version": version}
