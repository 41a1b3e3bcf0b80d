"""The reporting API's bearer token (`RECEIPTS_API_TOKEN`), separate from the webhook secret.

The dashboard's own fetches carry it in an HttpOnly cookie instead of a header, so scripts on
the page never hold the token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Request, request

from receipts.credentials import matches_any
from receipts.web.errors import json_error
from receipts.web.services import services

TOKEN_COOKIE = "receipts_api_token"  # noqa: S105 (a cookie name)


def is_api_token(token: str | None) -> bool:
    return bool(token) and matches_any(token.strip(), (services().config.api_token or "",))


def presented_token(req: Request) -> str | None:
    """The bearer token of the request, or else the dashboard's cookie."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return token
    return req.cookies.get(TOKEN_COOKIE)


def require_api_token(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not is_api_token(presented_token(request)):
            response, status = json_error(401, "unauthorized", "missing or wrong API token")
            response.headers["WWW-Authenticate"] = 'Bearer realm="receipts"'
            return response, status
        return view(*args, **kwargs)

    return guarded
