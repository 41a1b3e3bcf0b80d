"""The outbox worker against a real HTTP stand-in for MoEngage on loopback."""

from __future__ import annotations

import logging
import threading

import orjson
import psycopg

from receipts.forwarding.backoff import RetryPolicy
from receipts.forwarding.worker import run_worker
from receipts.store import migrate
from receipts.store.embedded import scratch_database
from tests.support.bodies import new_umid, sms_receipt
from tests.support.forwarders import FAST, enqueue_outcomes
from tests.support.waiting import wait_for


def states(db: psycopg.Connection) -> dict[str, int]:
    return dict(db.execute("SELECT state, count(*) FROM forwards GROUP BY state").fetchall())


def all_done(db: psycopg.Connection, count: int) -> bool:
    return states(db) == {"done": count}


def test_each_outcome_is_posted_as_json_with_the_authorization(client, db, moengage, forwarders):
    umid = new_umid()
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt(umid)))
    forwarders(authorization="Bearer moengage-key")
    post = wait_for(lambda: moengage.accepted())[0]
    assert post.body["message_id"] == umid
    assert post.body["status"] == "delivered"
    assert post.headers["content-type"] == "application/json"
    assert post.headers["authorization"] == "Bearer moengage-key"
    wait_for(lambda: all_done(db, 1))
    sent = db.execute("SELECT last_http_status, sent_at IS NOT NULL FROM forwards").fetchone()
    assert sent == (200, True)


def test_no_authorization_header_when_moengage_auth_is_unset(client, db, moengage, forwarders):
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    forwarders()
    post = wait_for(lambda: moengage.accepted())[0]
    assert "authorization" not in post.headers


def test_intermediate_receipts_never_reach_moengage_in_final_mode(client, db, moengage, forwarders):
    interim, final = new_umid(), new_umid()
    for body in (
        sms_receipt(interim, "queued", None, "2026-03-02T08:15:20Z"),
        sms_receipt(interim, "sent", None, "2026-03-02T08:15:30Z"),
        sms_receipt(interim, "delivered", "delivered_to_operator", "2026-03-02T08:15:40Z"),
        sms_receipt(final, "delivered", "delivered_to_recipient"),
    ):
        client.post("/webhooks/8x8", content=orjson.dumps(body))
    forwarders()
    wait_for(lambda: moengage.accepted())
    wait_for(lambda: all_done(db, 1))
    assert moengage.accepted_ids() == {final: 1}


def test_flaky_moengage_gets_every_outcome_with_few_duplicates(db, moengage, forwarders):
    moengage.behave(fail_ratio=0.2, throttle_ratio=0.1, retry_after="0.05")
    umids = enqueue_outcomes(db, 120)
    forwarders()
    wait_for(lambda: all_done(db, 120))
    received = moengage.accepted_ids()
    assert set(received) == umids
    assert max(received.values()) <= 2
    assert sum(received.values()) <= 120 + 3
    assert any(post.status == 500 for post in moengage.attempts())
    assert any(post.status == 429 for post in moengage.attempts())


def test_retry_after_is_honoured(client, db, moengage, forwarders):
    moengage.behave(throttle_ratio=1.0, retry_after="1")
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    forwarders()
    wait_for(lambda: moengage.attempts())
    moengage.behave(throttle_ratio=0.0)
    wait_for(lambda: all_done(db, 1))
    first, second = moengage.attempts()[:2]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95
    # a throttled answer does not use up one of the forward's attempts
    assert db.execute("SELECT attempts FROM forwards").fetchone()[0] == 1


def test_two_workers_at_once_send_nothing_twice(db, moengage, forwarders):
    umids = enqueue_outcomes(db, 100)
    moengage.behave(delay=0.002)
    first, second = forwarders(concurrency=4), forwarders(concurrency=4)
    wait_for(lambda: all_done(db, 100))
    assert moengage.accepted_ids() == dict.fromkeys(umids, 1)
    assert len(moengage.attempts()) == 100
    first_tally, second_tally = first.stop(), second.stop()
    assert first_tally.done > 0
    assert second_tally.done > 0


def test_a_permanent_refusal_is_dead_after_a_few_tries_with_its_answer(
    client, db, moengage, forwarders
):
    moengage.behave(status=401)
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    forwarders()
    wait_for(lambda: states(db) == {"dead": 1})
    row = db.execute("SELECT attempts, last_http_status, last_error FROM forwards").fetchone()
    assert row == (3, 401, '{"status":"fail"}')
    assert len(moengage.attempts()) == 3


def test_a_forward_is_dead_after_its_attempts(db, moengage, forwarders):
    moengage.behave(status=500)
    enqueue_outcomes(db, 3)
    forwarders(policy=RetryPolicy(base=0.001, max_delay=0.01, max_attempts=5))
    wait_for(lambda: states(db) == {"dead": 3})
    assert db.execute("SELECT DISTINCT attempts, last_http_status FROM forwards").fetchall() == [
        (5, 500)
    ]
    assert len(moengage.attempts()) == 15


def test_a_forward_is_dead_when_its_window_is_over(client, db, moengage, forwarders):
    moengage.behave(status=503)
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    db.execute("UPDATE forwards SET queued_at = now() - interval '2 minutes'")
    forwarders(policy=FAST)  # a 60 s window
    wait_for(lambda: states(db) == {"dead": 1})
    assert len(moengage.attempts()) == 1


def said(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "receipts.forwarding.worker"]


def test_worker_without_moengage_url_says_so_and_waits(config_for, db, client, caplog):
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    stop = threading.Event()
    with caplog.at_level(logging.WARNING, logger="receipts.forwarding.worker"):
        worker = threading.Thread(target=run_worker, args=(config_for(), stop))
        worker.start()
        wait_for(lambda: said(caplog))
        assert worker.is_alive()
        stop.set()
        worker.join(10)
    assert said(caplog) == [
        "MOENGAGE_DLR_URL is not set: forwarding is paused; 1 forwards wait in the outbox"
    ]
    assert states(db) == {"pending": 1}


def test_worker_waits_for_an_unmigrated_database_and_says_so(config_for, migrated, caplog):
    with scratch_database(migrated) as empty:
        stop = threading.Event()
        config = config_for(database_url=empty, moengage_dlr_url="http://127.0.0.1:9/dlr")
        with caplog.at_level(logging.WARNING, logger="receipts.forwarding.worker"):
            worker = threading.Thread(target=run_worker, args=(config, stop))
            worker.start()
            wait_for(lambda: said(caplog))
            stop.set()
            worker.join(10)
        assert said(caplog) == [
            f"database schema at version None, needs {migrate.latest_version()};"
            " forwarding waits for it (receipts db upgrade)"
        ]
