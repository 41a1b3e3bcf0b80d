"""`GET /api/v1/messages/<id>`: one message's current status and its timeline."""

from __future__ import annotations

from flask import Response

from receipts.mapping.values import normalize_message_id
from receipts.reports.api import bp
from receipts.reports.auth import require_api_token
from receipts.reports.schemas import MessageSchema
from receipts.store import messages
from receipts.web.errors import json_error
from receipts.web.services import services

_message_schema = MessageSchema()


@bp.get("/messages/<path:message_id>")
@require_api_token
def get_message(message_id: str) -> Response | tuple[Response, int]:
    if "\x00" in message_id:  # PostgreSQL text cannot hold NUL: no stored id has one
        return json_error(404, "not_found", "no message has an id with a NUL character")
    with services().pool.connection() as conn:
        message = messages.find_message(conn, normalize_message_id(message_id), message_id)
        if message is None:
            return json_error(404, "not_found", f"no message with id {message_id!r}")
        message["timeline"] = messages.message_timeline(
            conn, message["connector"], message["message_id"]
        )
    return _message_schema.dump(message)
