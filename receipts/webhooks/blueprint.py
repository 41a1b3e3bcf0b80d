"""`POST /webhooks/<connector>`: authenticate, bound, then hand the body to intake."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from receipts.errors import json_error
from receipts.services import services
from receipts.webhooks.auth import is_authenticated
from receipts.webhooks.intake import accept

bp = Blueprint("webhooks", __name__)


@bp.post("/webhooks/<connector>")
def receive(connector: str) -> Response:
    state = services()
    if not is_authenticated(request, state.config.webhook_secrets):
        return json_error(401, "unauthorized", "missing or wrong webhook secret")
    if request.content_length is not None and request.content_length > state.config.max_body:
        abort(413)
    request.max_content_length = state.config.max_body
    raw = request.get_data(cache=False)
    answer = accept(
        state.pool,
        state.mappings,
        state.config.moengage_forward,
        connector,
        raw,
        request.content_type,
        strict=request.args.get("strict") in ("1", "true"),
        committer=state.committer,
    )
    return current_app.json.response(answer.body), answer.status
