"""The periodic rollup refresh that `receipts serve` runs beside gunicorn."""

from __future__ import annotations

import threading

import psycopg

from receipts.reports.rollup import keep_rollup_current
from receipts.serve import Endpoint, child_commands
from tests.support.waiting import wait_for


def test_the_periodic_refresh_builds_the_rollup_and_stops_when_told(reports_db, migrated):
    stop = threading.Event()
    loop = threading.Thread(
        target=keep_rollup_current,
        args=(lambda: psycopg.connect(migrated, autocommit=True), 0.05, stop),
    )
    loop.start()
    try:
        state = "SELECT watermark IS NOT NULL FROM message_rollup_state"
        wait_for(lambda: reports_db.execute(state).fetchone()[0])
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()


def test_serve_runs_the_periodic_refresh():
    commands = child_commands(Endpoint("127.0.0.1", 8000), workers=1)
    assert any(command[-3:-1] == ["rollup", "--every"] for _, command in commands)
