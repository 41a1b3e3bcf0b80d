"""One log line per request: method, path, route, status, duration. Never the query values
(a webhook's `?token=` is its secret) nor any header that could carry a credential."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from flask import Flask, Response, g, request

log = logging.getLogger("receipts.access")


def redacted_query(query_string: bytes) -> str:
    """The parameter names of a query string, every value replaced by `*`."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return "&".join(f"{name}=*" for name, _ in pairs)


def _answered(response: Response) -> Response:
    if not log.isEnabledFor(logging.INFO):
        return response
    started = g.get("receipts_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    fields = {
        "method": request.method,
        "path": request.path,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "remote_addr": request.remote_addr,
    }
    if request.query_string:
        fields["query"] = redacted_query(request.query_string)
    log.info(
        "%s %s %s %sms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={"fields": fields},
    )
    return response


def log_requests(app: Flask) -> None:
    """Register the request log; it reads the start time `receipts.metrics` records."""
    app.after_request(_answered)
