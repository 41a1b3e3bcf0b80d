"""The Procfile's `web` line, run as a platform runs it: it serves, and stops cleanly."""

from __future__ import annotations

import re
import shlex
import sys

import pytest

from tests.support.paths import REPO
from tests.support.processes import Gunicorn, app_environment, post_a_receipt


class ProcfileWeb(Gunicorn):
    """gunicorn from the Procfile's own `web` line, with the platform's variables filled in."""

    def command(self) -> list[str]:
        line = next(
            line.removeprefix("web:")
            for line in (REPO / "Procfile").read_text().splitlines()
            if line.startswith("web:")
        )
        line = line.replace("$PORT", str(self.port))
        line = re.sub(r"\$\{WEB_CONCURRENCY:-\d+\}", str(self.workers), line)
        return [sys.executable, "-m", *shlex.split(line)]  # `gunicorn ...` as a module


@pytest.mark.slow
def test_the_procfile_web_process_takes_a_receipt_and_stops_without_a_traceback(
    config, db, tmp_path
):
    server = ProcfileWeb(app_environment(config), tmp_path / "web.log", workers=2).start()
    try:
        answer = post_a_receipt(server)
    finally:
        server.stop()
    assert answer.status_code == 200
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == 1
    assert server.process.returncode == 0
    assert "Traceback" not in server.output()
