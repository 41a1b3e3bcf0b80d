"""gunicorn settings and hooks for `receipts serve` (loaded as `python:receipts.gunicorn_hooks`).

In JSON log mode (RECEIPTS_LOG_FORMAT, json when not on a terminal) gunicorn's own lines are
JSON too, so one log pipeline reads every line the service writes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from receipts.metrics import mark_worker_dead


def _json_logs() -> bool:
    chosen = os.environ.get("RECEIPTS_LOG_FORMAT", "").strip().lower()
    return chosen == "json" or (not chosen and not sys.stderr.isatty())


if _json_logs():
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "receipts.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def child_exit(server: Any, worker: Any) -> None:
    mark_worker_dead(worker.pid)
