"""8x8's error-code names, read from its catalogue entry (receipts/mapping/providers/8x8.toml)."""

from __future__ import annotations

from functools import cache

from receipts.mapping.catalogue import load_catalogue


@cache
def error_names() -> dict[str, str]:
    errors = load_catalogue().providers["8x8"].errors
    return {code: entry.text for code, entry in errors.items() if entry.text and code.isdigit()}


def error_name(code: str | None) -> str | None:
    """8x8's name for an error code, or None for a code it does not document."""
    return None if code is None else error_names().get(code.strip())
