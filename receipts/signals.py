"""How the long-running commands stop: Ctrl-C and SIGTERM ask, the loop finishes and exits."""

from __future__ import annotations

import signal
import threading


def stop_on_signals(stop: threading.Event) -> None:
    """Set `stop` on SIGINT (Ctrl-C) or SIGTERM (a platform's or `serve`'s shutdown) instead
    of raising, so the work in hand is finished and recorded before the process exits."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: stop.set())
