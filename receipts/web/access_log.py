"""One log line per request: method, path, route, status, duration. Never the query values
(a webhook's `?token=` is its secret) nor any header that could carry a credential.

A receipt the webhook took in is logged at DEBUG: it is already a row in `webhook_bodies`
with its arrival time, and a campaign brings millions of them, so at INFO the log keeps
what needs a look (refusals, errors) and every other request."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from flask import Flask, Response, request

from receipts.web.metrics import STARTED

log = logging.getLogger("receipts.access")


def redacted_query(query_string: bytes) -> str:
    """The parameter names of a query string, every value replaced by `*`."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return "&".join(f"{name}=*" for name, _ in pairs)


def _level(response: Response) -> int:
    if response.status_code < 300 and request.blueprint == "webhooks":
        return logging.DEBUG
    return logging.INFO


def _answered(response: Response) -> Response:
    level = _level(response)
    if not log.isEnabledFor(level):
        return response
    started = request.environ.get(STARTED)
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
    log.log(
        level,
        "%s %s %s %sms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={"fields": fields},
    )
    return response


def log_requests(app: Flask) -> None:
    """Register the request log; it reads the start time `receipts.web.metrics` records."""
    app.after_request(_answered)
