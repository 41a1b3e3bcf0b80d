"""Turning a webhook's bytes into a value the mapping engine can read, within bounds."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from receipts.mapping.compile import Unmappable

MAX_DEPTH = 32
MAX_FORM_FIELDS = 1000


def parse_body(raw: bytes, content_type: str | None) -> Any:
    """JSON (the default when no type is sent) or a form body; raises Unmappable."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in ("", "application/json", "text/json", "text/plain") or media_type.endswith(
        "+json"
    ):
        return parse_json(raw)
    if media_type == "application/x-www-form-urlencoded":
        # `curl -d @receipt.json` labels a JSON file as a form: a form never starts with { or [
        if raw.lstrip()[:1] in (b"{", b"["):
            return parse_json(raw)
        return parse_form(raw)
    raise Unmappable("unsupported_media_type", f"cannot read a {media_type!r} body")


def parse_json(raw: bytes) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise Unmappable("invalid_json", f"not valid JSON: {error}") from None
    # Nesting needs an opening bracket per level: a body with few brackets is shallow enough
    # without walking it (brackets inside strings only raise the count).
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH:
        check_depth(value)
    return value


def parse_form(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Unmappable("invalid_encoding", "a form body must be UTF-8") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:
        raise Unmappable("invalid_form", str(error)) from None
    return dict(pairs)


def check_depth(value: Any) -> None:
    """Refuse bodies nested deeper than MAX_DEPTH (no real receipt comes close)."""
    level = [value]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return
    raise Unmappable("too_deep", f"nested deeper than {MAX_DEPTH} levels")
