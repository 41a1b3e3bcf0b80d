"""Real servers for the tests: PostgreSQL (embedded or the machine's) and the app on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from receipts.store.embedded import start_embedded

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


class EmbeddedPostgres:
    """A pgserver instance the test owns, so it may stop and start it at will."""

    def __init__(self, pgdata: Path) -> None:
        self.url = start_embedded(pgdata, cleanup="delete")
        import pgserver

        self._server = pgserver.get_server(pgdata)

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user
        )

    def start(self) -> None:
        self._server.ensure_postgres_running()


class LiveServer:
    """The Flask app behind a real threaded HTTP server on 127.0.0.1."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(10)


def wait_for(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as error:  # the thing polled for may not be up yet
            last = error
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s; last result: {last!r}")
