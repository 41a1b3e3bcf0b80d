"""`POST /webhooks/<connector>`: authenticate, bound, then hand the body to intake."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, request

from receipts.errors import json_error
from receipts.services import services
from receipts.webhooks.auth import is_authenticated
from receipts.webhooks.intake import accept
from receipts.webhooks.networks import is_allowed_source

bp = Blueprint("webhooks", __name__)

# A connector is named by mapping files (letters, digits, '.', '_', '-'); any other path is
# no connector at all, and keeping it (NUL bytes, megabytes of name) would only break storage.
_CONNECTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_MAX_CONTENT_TYPE = 255


@bp.before_request
def refuse_unknown_sources_and_connectors() -> tuple[Response, int] | None:
    """Before anything is read or stored: the source allow-list, then the connector's name."""
    config = services().config
    if not is_allowed_source(
        request.remote_addr,
        request.headers.get("X-Forwarded-For"),
        config.allowed_networks,
        config.trusted_proxies,
    ):
        return json_error(403, "forbidden_source", "this address may not call the webhook")
    if not _CONNECTOR.fullmatch((request.view_args or {}).get("connector", "")):
        return json_error(404, "unknown_connector", "no such webhook")
    return None


@bp.post("/webhooks/<connector>")
def receive(connector: str) -> Response:
    state = services()
    if not is_authenticated(request, state.config.webhook_secrets):
        return json_error(401, "unauthorized", "missing or wrong webhook secret")
    if request.content_length is not None and request.content_length > state.config.max_body:
        abort(413)
    # A chunked body has no Content-Length and is cut at the limit without an error: reading
    # one byte more than the limit is how its excess is seen (and refused, not truncated).
    request.max_content_length = state.config.max_body + 1
    raw = request.get_data(cache=False)
    if len(raw) > state.config.max_body:
        abort(413)
    answer = accept(
        state.pool,
        state.mappings,
        state.config.moengage_forward,
        connector,
        raw,
        _stored_content_type(request.content_type),
        strict=request.args.get("strict") in ("1", "true"),
    )
    return current_app.json.response(answer.body), answer.status


def _stored_content_type(value: str | None) -> str | None:
    """The header as sent, minus what PostgreSQL text cannot hold, bounded in length."""
    if value is None:
        return None
    return value.replace("\x00", "")[:_MAX_CONTENT_TYPE]
