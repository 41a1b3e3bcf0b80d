"""Group commit: bodies of concurrent requests share a transaction; each answer comes after it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import orjson
import psycopg
import pytest
from psycopg_pool import ConnectionPool

from receipts.store import ingest
from receipts.store.group_commit import GroupCommitter
from receipts.store.ingest import BodyToIngest, Ingested
from receipts.store.pool import open_pool
from tests.support.bodies import new_umid
from tests.support.waiting import wait_for

DELIVERED_AT = "2026-03-02T08:15:42.310000+00:00"
SENT_AT = "2026-03-02T08:15:40.000000+00:00"
WAITING_ON_A_LOCK = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'"""


def body(umid: str, status: str = "delivered", at: str = DELIVERED_AT, **extra) -> BodyToIngest:
    receipt = {
        "message_id": umid,
        "status": status,
        "provider_status": status,
        "provider_detail": None,
        "final": status in ("delivered", "failed"),
        "event_at": at,
        **extra,
    }
    raw = orjson.dumps({"umid": umid, "state": status, "at": at})
    return BodyToIngest("8x8", "application/json", raw, "8x8-sms", orjson.dumps([receipt]).decode())


@pytest.fixture
def pool(migrated: str, db: psycopg.Connection) -> Iterator[ConnectionPool]:
    opened = open_pool(migrated)
    yield opened
    opened.close()


def forwards(db: psycopg.Connection, umid: str) -> list[str]:
    rows = db.execute("SELECT status FROM forwards WHERE message_id = %s ORDER BY id", (umid,))
    return [row[0] for row in rows]


def status(db: psycopg.Connection, umid: str) -> str:
    return db.execute("SELECT status FROM messages WHERE message_id = %s", (umid,)).fetchone()[0]


def receipt_count(db: psycopg.Connection, umid: str) -> int:
    query = "SELECT count(*) FROM receipts WHERE message_id = %s"
    return db.execute(query, (umid,)).fetchone()[0]


def test_same_receipt_twice_in_one_batch_is_stored_once(db):
    umid = new_umid()
    first, second = ingest.ingest_bodies(db, [body(umid), body(umid)], "final")
    assert (first.stored, first.duplicates) == (1, 0)
    assert (second.stored, second.duplicates) == (0, 1)
    assert receipt_count(db, umid) == 1
    assert forwards(db, umid) == ["delivered"]


def test_late_sent_in_the_same_batch_does_not_undo_delivered(db):
    umid = new_umid()
    ingest.ingest_bodies(db, [body(umid), body(umid, "sent", SENT_AT)], "final")
    assert status(db, umid) == "delivered"
    assert receipt_count(db, umid) == 2
    assert forwards(db, umid) == ["delivered"]


def test_batch_advances_a_known_message_and_forwards_its_outcome_once(db):
    umid = new_umid()
    ingest.ingest_bodies(db, [body(umid, "sent", SENT_AT)], "final")
    ingest.ingest_bodies(db, [body(umid), body(new_umid())], "final")
    ingest.ingest_bodies(db, [body(umid, "failed", "2026-03-02T09:00:00+00:00")], "final")
    assert status(db, umid) == "failed"
    assert forwards(db, umid) == ["delivered"]


def test_forward_all_sends_every_status_change_in_a_batch(db):
    umid = new_umid()
    ingest.ingest_bodies(db, [body(umid, "sent", SENT_AT), body(umid)], "all")
    assert forwards(db, umid) == ["sent", "delivered"]


def test_new_message_batch_keeps_every_normalized_field(db):
    umid = new_umid()
    fields = {"client_message_id": "order-1", "recipient": "+6591234567", "channel": "sms"}
    ingest.ingest_bodies(db, [body(umid, **fields)], "final")
    row = db.execute(
        "SELECT client_message_id, recipient, channel, final_at IS NOT NULL FROM messages"
        " WHERE message_id = %s",
        (umid,),
    ).fetchone()
    assert row == ("order-1", "+6591234567", "sms", True)
    forward = db.execute("SELECT body FROM forwards WHERE message_id = %s", (umid,)).fetchone()[0]
    assert forward["client_message_id"] == "order-1"
    assert forward["event_at"] == "2026-03-02T08:15:42.310000Z"


class Blocked:
    """Holds a lock on a known message so the committer's batch for it waits, and the
    requests that arrive meanwhile queue up for the next batch."""

    def __init__(self, migrated: str, committer: GroupCommitter, db: psycopg.Connection) -> None:
        self.umid = new_umid()
        ingest.ingest_bodies(db, [body(self.umid, "sent", SENT_AT)], "final")
        self.holder = psycopg.connect(migrated)
        self.holder.execute("SELECT 1 FROM messages WHERE message_id = %s FOR UPDATE", (self.umid,))
        self.results: dict[str, Ingested | BaseException] = {}
        self.threads: list[threading.Thread] = []
        self.committer = committer
        self.submit(body(self.umid))
        wait_for(lambda: db.execute(WAITING_ON_A_LOCK).fetchone()[0] == 1)

    def submit(self, item: BodyToIngest) -> None:
        def run() -> None:
            try:
                self.results[item.body.decode()] = self.committer.ingest(item)
            except Exception as error:
                self.results[item.body.decode()] = error

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)

    def release(self) -> None:
        self.holder.rollback()
        self.holder.close()
        for thread in self.threads:
            thread.join(20)


def test_waiting_requests_share_one_commit_and_are_answered_after_it(migrated, pool, db):
    committer = GroupCommitter(pool, "final")
    blocked = Blocked(migrated, committer, db)
    umids = [new_umid() for _ in range(3)]
    for umid in umids:
        blocked.submit(body(umid))
    wait_for(lambda: committer.waiting == 3)
    assert blocked.results == {}, "nothing is answered before its commit"
    blocked.release()
    assert all(isinstance(result, Ingested) for result in blocked.results.values())
    assert (committer.batches, committer.bodies) == (2, 4)
    assert all(receipt_count(db, umid) == 1 for umid in umids)
    committer.close()


def test_a_body_the_database_refuses_does_not_fail_its_batch(migrated, pool, db):
    committer = GroupCommitter(pool, "final")
    blocked = Blocked(migrated, committer, db)
    good, bad = new_umid(), new_umid()
    blocked.submit(body(good))
    blocked.submit(body(bad, status="no-such-status"))
    wait_for(lambda: committer.waiting == 2)
    blocked.release()
    outcomes = {key.split('"')[3]: value for key, value in blocked.results.items()}
    assert isinstance(outcomes[good], Ingested)
    assert isinstance(outcomes[bad], psycopg.errors.CheckViolation)
    assert receipt_count(db, good) == 1
    assert receipt_count(db, bad) == 0
    committer.close()
