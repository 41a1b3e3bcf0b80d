"""The reporting API's bearer token (`RECEIPTS_API_TOKEN`), separate from the webhook secret."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request

from receipts.credentials import matches_any
from receipts.errors import json_error
from receipts.services import services


def require_api_token(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not matches_any(
            token.strip(), (services().config.api_token or "",)
        ):
            response, status = json_error(401, "unauthorized", "missing or wrong API token")
            response.headers["WWW-Authenticate"] = 'Bearer realm="receipts"'
            return response, status
        return view(*args, **kwargs)

    return guarded
