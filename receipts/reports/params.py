"""Query parameters through their marshmallow schema; a bad one is a 400 that names it."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson
from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import BadRequest


def load_query(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(request.args.to_dict(flat=True))
    except ValidationError as error:
        raise BadRequest(_describe(error.normalized_messages())) from None


def _describe(messages: dict[str, Any]) -> str:
    parts = []
    for name, problems in messages.items():
        text = problems if isinstance(problems, str) else " ".join(map(str, problems))
        parts.append(f"{name}: {text}")
    return "; ".join(parts)


def encode_cursor(event_at: datetime, receipt_id: int) -> str:
    """An opaque position: callers pass it back, and never need to read it."""
    raw = orjson.dumps([event_at.isoformat(), receipt_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def keyset_page(
    rows: list[dict[str, Any]], limit: int, at: str, key: str
) -> tuple[list[dict[str, Any]], str | None]:
    """The first `limit` of `limit + 1` rows read, and the cursor of the next page (None when
    the extra row did not come: this was the last page)."""
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(page[-1][at], page[-1][key]) if more else None


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, receipt_id = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not isinstance(receipt_id, int):
            raise ValueError(cursor)
        return moment, receipt_id
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise BadRequest("next: not a cursor this API gave out") from None
