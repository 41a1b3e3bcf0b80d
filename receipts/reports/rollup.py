"""Keeping the hourly rollup current beside the web workers, so summaries never recount.

`receipts report rollup --every S` runs this loop; `receipts serve` starts that command as
one of its children. Each refresh recounts only the hours touched since the previous one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from receipts.signals import stop_on_signals
from receipts.store.reports import refresh_rollup

log = logging.getLogger(__name__)

# Shorter than summary.ROLLUP_MAX_AGE, so that summaries find the rollup fresh.
DEFAULT_EVERY = 10.0


def keep_rollup_current(
    connect: Callable[[], psycopg.Connection], every: float, stop: threading.Event
) -> None:
    """Refresh now and then every `every` seconds until `stop` is set. A lost database is
    waited out (reconnecting each interval) rather than ending the loop, since `serve` stops
    the whole service when one of its children exits."""
    while not stop.is_set():
        try:
            with connect() as conn:
                while True:
                    hours = refresh_rollup(conn)
                    if hours > 0:  # every few seconds: detail, not news
                        log.debug("rollup refreshed", extra={"fields": {"hours": hours}})
                    if stop.wait(every):
                        return
        except psycopg.OperationalError as error:
            log.warning("rollup refresh failed, retrying: %s", error)
            stop.wait(every)


def refresh_until_signalled(url: str, every: float) -> None:
    """`receipts report rollup --every S`: keep_rollup_current until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    stop_on_signals(stop)
    keep_rollup_current(lambda: psycopg.connect(url, autocommit=True), every, stop)
