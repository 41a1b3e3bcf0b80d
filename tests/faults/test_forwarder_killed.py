"""A forwarder killed (kill -9) in the middle of a batch loses nothing."""

from __future__ import annotations

import signal
import subprocess
import sys

from receipts.config import environment_without_settings
from tests.support.forwarders import enqueue_outcomes
from tests.support.waiting import wait_for


def test_a_forwarder_killed_mid_batch_loses_nothing(migrated, db, moengage, forwarders, tmp_path):
    umids = enqueue_outcomes(db, 60)
    moengage.behave(delay=0.05)  # slow answers: the worker always has POSTs in flight
    env = environment_without_settings()
    env.update(
        DATABASE_URL=migrated,
        MOENGAGE_DLR_URL=moengage.url,
        RECEIPTS_DATA_DIR=str(tmp_path),
        RECEIPTS_LOG_FORMAT="text",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "receipts.cli", "forward", "--lease", "2", "--concurrency", "8"],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(moengage.attempts()) >= 10)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    leased = db.execute(
        "SELECT count(*) FROM forwards WHERE state = 'pending' AND lease IS NOT NULL"
    ).fetchone()[0]
    assert leased > 0  # killed with claims in flight
    assert len(moengage.accepted_ids()) < len(umids)

    moengage.behave(delay=0.0)
    forwarders()
    wait_for(lambda: db.execute("SELECT bool_and(state = 'done') FROM forwards").fetchone()[0])
    assert set(moengage.accepted_ids()) == umids
