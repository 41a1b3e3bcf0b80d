"""gunicorn's hooks: a worker that exits closes its group committer and its pool first."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from receipts import create_app
from receipts.store.group_commit import CommitterStopped
from receipts.store.ingest import BodyToIngest
from receipts.web.gunicorn_hooks import worker_exit
from tests.support.processes import Gunicorn, app_environment, post_a_receipt


def test_worker_exit_closes_the_committer_and_the_pool(config):
    app = create_app(config)
    held = app.extensions["receipts"]
    worker_exit(None, SimpleNamespace(wsgi=app))
    assert held.pool.closed
    with pytest.raises(CommitterStopped):
        held.committer.ingest(BodyToIngest("8x8", None, b"{}", "8x8-sms", "[]"))


def test_worker_exit_leaves_a_worker_without_the_app_alone():
    worker_exit(None, SimpleNamespace())


@pytest.mark.slow
def test_sigterm_stops_gunicorn_workers_without_a_traceback(config, db, tmp_path):
    server = Gunicorn(app_environment(config), tmp_path / "gunicorn.log", workers=1).start()
    try:
        response = post_a_receipt(server)
        assert response.status_code == 200
    finally:
        server.stop()
    assert server.process.returncode == 0
    assert "Traceback" not in server.output()
