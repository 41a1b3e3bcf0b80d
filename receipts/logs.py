"""Logging set-up: JSON lines for machines, plain text on a terminal."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

# `?token=` carries the webhook secret on per-message dlrCallbackUrls; request lines logged by
# werkzeug or a gunicorn access log would otherwise write it to disk.
_QUERY_SECRET = re.compile(r"([?&](?:token|access_token|api_key)=)[^&\s\"']*", re.IGNORECASE)
REDACTED = "[redacted]"
# Loggers that may write through handlers of their own, so they get the filter themselves.
_OWN_HANDLER_LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Query-string tokens and any configured secret, wherever they appear in `text`."""
    text = _QUERY_SECRET.sub(rf"\1{REDACTED}", text)
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record before any handler formats it; never drops one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                key: redact(value, self.secrets) if isinstance(value, str) else value
                for key, value in fields.items()
            }
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(
    log_format: str, level: int = logging.INFO, secrets: Iterable[str] = ()
) -> None:
    redactor = RedactSecrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(redactor)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _OWN_HANDLER_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
            logger.removeFilter(old)
        logger.addFilter(redactor)
