"""What enters the outbox for MoEngage: one forward per first final outcome (`final` mode), or
one per change of status (`all` mode)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import psycopg
import pytest

from receipts import create_app
from tests.support.bodies import chatapps_receipt, new_umid, sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.live_server import LiveServer


def send(client: httpx.Client, *bodies: dict) -> None:
    for body in bodies:
        assert client.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200


def queued(db: psycopg.Connection, umid: str) -> list[dict]:
    rows = db.execute(
        "SELECT body FROM forwards WHERE message_id = %s ORDER BY id", (umid,)
    ).fetchall()
    return [row[0] for row in rows]


def statuses(db: psycopg.Connection, umid: str) -> list[str]:
    return [body["status"] for body in queued(db, umid)]


@pytest.fixture
def all_mode_client(config_for, db) -> Iterator[httpx.Client]:
    """A second app with MOENGAGE_FORWARD=all, on its own port."""
    server = LiveServer(create_app(config_for(moengage_forward="all")))
    headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
        yield http
    server.close()


def test_final_mode_forwards_only_the_first_final_outcome(client, db):
    umid = new_umid()
    send(
        client,
        sms_receipt(umid, "queued", None, "2026-03-02T08:15:20Z"),
        sms_receipt(umid, "sent", None, "2026-03-02T08:15:30Z"),
        sms_receipt(umid, "delivered", "delivered_to_recipient", "2026-03-02T08:15:42Z"),
    )
    assert statuses(db, umid) == ["delivered"]


def test_delivered_to_operator_is_not_forwarded_in_final_mode(client, db):
    umid = new_umid()
    send(client, sms_receipt(umid, "delivered", "delivered_to_operator", "2026-03-02T08:15:40Z"))
    assert statuses(db, umid) == []
    send(client, sms_receipt(umid, "delivered", "delivered_to_recipient", "2026-03-02T08:15:42Z"))
    assert statuses(db, umid) == ["delivered"]


def test_undelivered_and_rejected_are_forwarded_as_failed(client, db):
    undelivered, rejected = new_umid(), new_umid()
    send(
        client,
        sms_receipt(
            undelivered,
            "undelivered",
            "undelivered_to_recipient",
            error_code=1,
            error_message="Absent subscriber",
        ),
        sms_receipt(rejected, "rejected", "rejected_by_operator"),
    )
    assert statuses(db, undelivered) == ["failed"]
    assert statuses(db, rejected) == ["failed"]


def test_late_delivered_after_failed_forwards_nothing_more(client, db):
    umid = new_umid()
    send(
        client,
        sms_receipt(umid, "undelivered", "undelivered_to_recipient", "2026-03-02T08:15:50Z"),
        sms_receipt(umid, "delivered", "delivered_to_recipient", "2026-03-02T08:15:42Z"),
    )
    assert statuses(db, umid) == ["failed"]


def test_late_failed_after_delivered_forwards_nothing_more(client, db):
    umid = new_umid()
    send(
        client,
        sms_receipt(umid, "delivered", "delivered_to_recipient", "2026-03-02T08:15:42Z"),
        sms_receipt(umid, "undelivered", "undelivered_to_recipient", "2026-03-02T08:15:50Z"),
    )
    assert statuses(db, umid) == ["delivered"]


def test_a_repeated_receipt_forwards_once(client, db):
    umid = new_umid()
    send(client, sms_receipt(umid), sms_receipt(umid))
    assert statuses(db, umid) == ["delivered"]


def test_whatsapp_read_is_forwarded_as_delivered(client, db):
    umid = new_umid()
    send(client, chatapps_receipt(umid, state="read"))
    assert statuses(db, umid) == ["delivered"]


def test_forward_body_is_the_flat_spec_shape(client, db):
    umid = new_umid()
    send(
        client,
        sms_receipt(
            umid,
            "undelivered",
            "undelivered_to_recipient",
            "2026-03-02T08:15:42.31Z",
            error_code=15,
            error_message="Invalid destination",
        ),
    )
    assert queued(db, umid) == [
        {
            "message_id": umid,
            "client_message_id": "order-48213-otp",
            "status": "failed",
            "reason": "Invalid destination",
            "error_code": "15",
            "event_at": "2026-03-02T08:15:42.310000Z",
            "recipient": "+6591234567",
            "channel": "sms",
            "reason_category": "invalid_number",
            "permanent": True,
        }
    ]


def test_failure_reason_falls_back_to_the_detail(client, db):
    umid = new_umid()
    send(client, sms_receipt(umid, "rejected", "rejected_by_operator"))
    assert queued(db, umid)[0]["reason"] == "rejected_by_operator"


def test_all_mode_forwards_every_status_change(all_mode_client, db):
    umid = new_umid()
    send(
        all_mode_client,
        sms_receipt(umid, "queued", None, "2026-03-02T08:15:20Z"),
        sms_receipt(umid, "sent", None, "2026-03-02T08:15:30Z"),
        sms_receipt(umid, "delivered", "delivered_to_operator", "2026-03-02T08:15:40Z"),
        sms_receipt(umid, "delivered", "delivered_to_recipient", "2026-03-02T08:15:42Z"),
    )
    assert statuses(db, umid) == ["queued", "sent", "delivered"]


def test_all_mode_does_not_forward_a_late_status_that_moves_nothing(all_mode_client, db):
    umid = new_umid()
    send(
        all_mode_client,
        chatapps_receipt(umid, state="read", timestamp="2026-03-02T12:03:44Z"),
        chatapps_receipt(umid, state="delivered", timestamp="2026-03-02T12:03:40Z"),
        chatapps_receipt(umid, state="sent", timestamp="2026-03-02T12:03:30Z"),
    )
    assert statuses(db, umid) == ["read"]
