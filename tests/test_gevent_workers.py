"""`receipts serve`'s gevent workers: a request waiting on PostgreSQL lets the others run.

If psycopg were imported before the worker patched the standard library, its wait would
block the whole worker: every other request would stall behind it, and each receipt would
be committed alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import psycopg
import pytest

from tests.support.bodies import sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.processes import Gunicorn, app_environment
from tests.support.waiting import wait_for

CONCURRENT = 40
WAITING_ON_A_LOCK = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'"""
TRANSACTIONS = "SELECT count(DISTINCT xmin::text) FROM webhook_bodies"


@pytest.mark.slow
def test_receipts_queue_behind_a_commit_that_waits_and_share_the_next(
    config, db, migrated, tmp_path
):
    server = Gunicorn(app_environment(config), tmp_path / "gunicorn.log", workers=1).start()
    headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    try:
        with (
            psycopg.connect(migrated) as holder,
            httpx.Client(limits=httpx.Limits(max_connections=CONCURRENT), timeout=30) as client,
            ThreadPoolExecutor(CONCURRENT) as senders,
        ):
            # The first commit waits on this lock; the other requests must still be read,
            # mapped and queued for the next commit meanwhile.
            holder.execute("LOCK TABLE webhook_bodies IN SHARE MODE")
            answers = [
                senders.submit(
                    client.post,
                    f"{server.url}/webhooks/8x8",
                    content=orjson.dumps(sms_receipt()),
                    headers=headers,
                )
                for _ in range(CONCURRENT)
            ]
            wait_for(lambda: db.execute(WAITING_ON_A_LOCK).fetchone()[0] == 1)
            holder.rollback()
            statuses = [answer.result().status_code for answer in answers]
    finally:
        server.stop()
    assert statuses == [200] * CONCURRENT
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == CONCURRENT
    transactions = db.execute(TRANSACTIONS).fetchone()[0]
    assert transactions < CONCURRENT / 2, f"{transactions} commits for {CONCURRENT} receipts"
