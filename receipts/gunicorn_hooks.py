"""gunicorn hooks for `receipts serve` (loaded as `python:receipts.gunicorn_hooks`)."""

from __future__ import annotations

from typing import Any

from receipts.metrics import mark_worker_dead


def child_exit(server: Any, worker: Any) -> None:
    mark_worker_dead(worker.pid)
