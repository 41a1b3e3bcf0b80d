"""`receipts serve`'s gevent workers: a request waiting on PostgreSQL lets the others run.

If psycopg were imported before the worker patched the standard library, its wait would
block the whole worker: every other request would stall behind it, and each receipt would
be committed alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import Gunicorn, app_environment, post_a_receipt
from tests.support.waiting import wait_for

CONCURRENT = 40
WAITING_ON_A_LOCK = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'"""
TRANSACTIONS = "SELECT count(DISTINCT xmin::text) FROM webhook_bodies"


def queued_for_commit(server: Gunicorn) -> float:
    """What /metrics says is queued behind the commit in flight (a worker blocked on
    PostgreSQL does not answer at all)."""
    text = httpx.get(f"{server.url}/metrics", timeout=5).text
    (family,) = (
        family
        for family in text_string_to_metric_families(text)
        if family.name == "receipts_webhook_bodies_queued_for_commit"
    )
    return family.samples[0].value


@pytest.mark.slow
def test_receipts_queue_behind_a_commit_that_waits_and_share_the_next(
    config, db, migrated, tmp_path
):
    server = Gunicorn(app_environment(config), tmp_path / "gunicorn.log", workers=1).start()
    try:
        with psycopg.connect(migrated) as holder, ThreadPoolExecutor(CONCURRENT) as senders:
            # The first commit waits on this lock; the other requests must still be read,
            # mapped and queued for the next commit meanwhile, and /metrics still answered.
            holder.execute("LOCK TABLE webhook_bodies IN SHARE MODE")
            answers = [senders.submit(post_a_receipt, server) for _ in range(CONCURRENT)]
            wait_for(lambda: db.execute(WAITING_ON_A_LOCK).fetchone()[0] == 1)
            wait_for(lambda: queued_for_commit(server) == CONCURRENT - 1)
            holder.rollback()
            statuses = [answer.result().status_code for answer in answers]
    finally:
        server.stop()
    assert statuses == [200] * CONCURRENT
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == CONCURRENT
    transactions = db.execute(TRANSACTIONS).fetchone()[0]
    assert transactions < CONCURRENT / 2, f"{transactions} commits for {CONCURRENT} receipts"
