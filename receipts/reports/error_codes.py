"""8x8's error-code names, read once from the shipped table (error_codes.toml)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def error_names() -> dict[str, str]:
    table = tomllib.loads((resources.files("receipts.reports") / "error_codes.toml").read_text())
    return dict(table["sms"])


def error_name(code: str | None) -> str | None:
    """8x8's name for an error code, or None for a code it does not document."""
    return None if code is None else error_names().get(code.strip())
