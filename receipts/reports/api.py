"""The one `/api/v1` blueprint: every reporting route registers on it, so they share one
prefix, one token check (`require_api_token`) and one query validation (`params.load_query`)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_routes() -> None:
    """Import the modules whose views register on `bp` (before the app registers it)."""
    from receipts.reports import (  # noqa: F401
        forwards_api,
        mappings,
        messages,
        quarantine,
        receipts_api,
        summary_api,
        suppressions,
    )
