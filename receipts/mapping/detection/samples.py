"""Sample files as an integrator has them: JSON, NDJSON or form-encoded bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class SampleError(ValueError):
    """A sample text that is neither JSON, NDJSON nor a form-encoded body."""


def parse_sample_text(text: str) -> list[Any]:
    """The bodies in a sample file: one JSON document, NDJSON (one document per line), or a
    form-encoded body / query string (parsed into a flat dict of str -> str, as the webhook
    receiver does). Raises SampleError for anything else."""
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return []
    try:
        return [json.loads(stripped)]
    except (ValueError, RecursionError):
        pass
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            return [json.loads(line) for line in lines]
        except (ValueError, RecursionError):
            pass
    query = stripped
    if "://" in query and "?" in query:
        query = urlsplit(query).query
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise SampleError("not JSON, NDJSON or a form-encoded body") from None
    return [dict(pairs)]
