"""kill -9 under load: a 200 means committed, and 8x8's retries fill every gap exactly once.

gunicorn serves `receipts:create_app()` against the session's database while eight client
threads post distinct receipts. A worker (then, in the second test, the master and every
worker) is killed with SIGKILL mid-load; whatever was in flight gets no answer, as 8x8 would
see a timeout, and is retried.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.load import (
    NO_ANSWER,
    Load,
    assert_each_receipt_stored_exactly_once,
    assert_every_acknowledged_receipt_is_stored,
    stored_umids,
)
from tests.support.processes import Gunicorn, app_environment
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

RECEIPTS = 600
KILL_AFTER = 150


@pytest.fixture
def gunicorn(config, db, tmp_path) -> Iterator[Gunicorn]:
    server = Gunicorn(app_environment(config), tmp_path / "gunicorn.log", workers=2).start()
    yield server
    server.stop()


def test_worker_killed_mid_load_loses_no_acknowledged_receipt(gunicorn, db, record_property):
    with Load(gunicorn.url, limit=RECEIPTS) as load:
        load.wait_until(lambda load: load.count(200) >= KILL_AFTER)
        victim = gunicorn.kill_worker()
        load.wait()
    assert set(load.statuses()) <= {200, NO_ANSWER}, load.statuses()
    wait_for(lambda: len(gunicorn.worker_pids() - {victim}) == gunicorn.workers)
    record_property("answers", dict(load.statuses()))

    assert_every_acknowledged_receipt_is_stored(db, load)
    load.retry_unacknowledged(gunicorn.url)
    assert_each_receipt_stored_exactly_once(db, load)


def test_whole_server_killed_mid_load_loses_no_acknowledged_receipt(
    gunicorn, db, config, tmp_path, record_property
):
    with Load(gunicorn.url, limit=RECEIPTS) as load:
        load.wait_until(lambda load: load.count(200) >= KILL_AFTER)
        gunicorn.kill()
        load.wait()
    assert load.count(NO_ANSWER) > 0, load.statuses()
    assert set(load.statuses()) <= {200, NO_ANSWER}, load.statuses()
    assert_every_acknowledged_receipt_is_stored(db, load)
    unanswered = load.count(NO_ANSWER)
    committed_unanswered = len(stored_umids(db, load.umids)) - load.count(200)

    restarted = Gunicorn(
        app_environment(config), tmp_path / "restarted.log", workers=2, port=gunicorn.port
    ).start()
    try:
        retried = load.retry_unacknowledged(restarted.url)
    finally:
        restarted.stop()
    assert retried == unanswered
    record_property("unanswered", unanswered)
    record_property("committed_but_unanswered", committed_unanswered)
    assert_each_receipt_stored_exactly_once(db, load)
