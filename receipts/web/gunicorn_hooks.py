"""gunicorn settings and hooks for `receipts serve` (`python:receipts.web.gunicorn_hooks`).

In JSON log mode (RECEIPTS_LOG_FORMAT, json when not on a terminal) gunicorn's own lines are
JSON too, so one log pipeline reads every line the service writes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from gunicorn import glogging
from prometheus_client import multiprocess

from receipts.logs import JsonFormatter

# Imported by gunicorn's master before it forks: nothing here may import psycopg (see
# receipts/__init__.py). The metrics read this setting too: it is defined here, not there.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _json_logs() -> bool:
    chosen = os.environ.get("RECEIPTS_LOG_FORMAT", "").strip().lower()
    return chosen == "json" or (not chosen and not sys.stderr.isatty())


class JsonLogger(glogging.Logger):
    """gunicorn's own lines (booting, worker exits, its access log when asked for) as JSON
    lines, like the service's: gunicorn keeps its handlers, levels and files; only the
    format changes."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.setFormatter(JsonFormatter())


if _json_logs():
    logger_class = "receipts.web.gunicorn_hooks.JsonLogger"


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's gauges no longer count."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    """In the exiting worker: close the group committer (batches in flight still finish)
    and then the pool, so its PostgreSQL sessions end cleanly instead of being dropped."""
    # A worker that failed to load the app has none; bench/noop_app.py's app holds no store.
    app = getattr(worker, "wsgi", None)
    held = getattr(app, "extensions", {}).get("receipts")
    if held is None:
        return
    if held.committer is not None:
        held.committer.close()
    held.pool.close()
