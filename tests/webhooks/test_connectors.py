"""`/webhooks/<connector>`: other providers, form and GET bodies, batches, and detection."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import orjson

from tests.support.credentials import WEBHOOK_SECRET


def twilio_callback(status: str = "delivered", error_code: str | None = None) -> dict[str, str]:
    sid = "SM" + uuid.uuid4().hex
    form = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": "+15017122661",
        "From": "+15557770100",
        "MessageSid": sid,
        "AccountSid": "AC0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a",
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


def infobip_report(*statuses: str) -> dict:
    return {
        "results": [
            {
                "bulkId": "BULK-77",
                "messageId": str(uuid.uuid4()),
                "to": "41793026727",
                "sentAt": "2026-03-02T08:15:40.000+0000",
                "doneAt": "2026-03-02T08:15:42.000+0000",
                "smsCount": 1,
                "price": {"pricePerMessage": 0.01, "currency": "EUR"},
                "status": {"groupName": status, "name": f"{status}_TO_HANDSET"},
                "error": {"groupName": "OK", "id": 0, "name": "NO_ERROR"},
            }
            for status in statuses
        ]
    }


def receipts(db) -> list[tuple]:
    return db.execute(
        "SELECT connector, message_id, status, recipient, mapping FROM receipts ORDER BY id"
    ).fetchall()


def test_form_body_from_an_unknown_provider_is_mapped_by_detection(client, db):
    form = twilio_callback()
    response = client.post(
        "/webhooks/twilio",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json() == {"received": 1}
    [(connector, message_id, status, recipient, mapping)] = receipts(db)
    assert (connector, message_id, status, recipient) == (
        "twilio",
        form["SmsSid"],
        "delivered",
        "+15017122661",
    )
    assert mapping == "twilio@detected-v1"


def test_later_receipts_keep_the_learned_words(client, db):
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    client.post(
        "/webhooks/twilio", content=urlencode(twilio_callback("sent")), headers=form_headers
    )
    failed = twilio_callback("undelivered", error_code="30003")
    client.post("/webhooks/twilio", content=urlencode(failed), headers=form_headers)
    row = db.execute(
        "SELECT status, error_code FROM receipts WHERE message_id = %s", (failed["SmsSid"],)
    )
    assert row.fetchone() == ("failed", "30003")


def test_get_with_query_parameters_is_a_receipt_and_the_token_is_not_stored(client, db):
    params = {
        "msisdn": "447700900000",
        "to": "AcmeInc",
        "network-code": "23410",
        "messageId": "0A0000001234567B",
        "price": "0.03330000",
        "status": "delivered",
        "scts": "2603020816",
        "err-code": "0",
        "message-timestamp": "2026-03-02 08:16:42",
    }
    response = client.get(
        "/webhooks/vonage",
        params={**params, "token": WEBHOOK_SECRET},
        headers={"Authorization": ""},
    )
    assert response.status_code == 200
    assert receipts(db)[0][1:3] == ("0A0000001234567B", "delivered")
    raw = db.execute("SELECT body FROM webhook_bodies").fetchone()[0]
    assert WEBHOOK_SECRET.encode() not in raw


def test_batched_body_makes_one_receipt_per_item(client, db):
    response = client.post(
        "/webhooks/infobip", content=orjson.dumps(infobip_report("DELIVERED", "UNDELIVERABLE"))
    )
    assert response.json() == {"received": 2}
    assert sorted(row[2] for row in receipts(db)) == ["delivered", "failed"]  # any id order


def test_top_level_array_is_a_list_of_receipts(client, db):
    items = infobip_report("DELIVERED", "EXPIRED")["results"]
    response = client.post("/webhooks/infobip", content=orjson.dumps(items))
    assert response.json() == {"received": 2}


def test_body_detection_cannot_read_is_quarantined(client, db):
    response = client.post("/webhooks/mystery", content=orjson.dumps({"hello": "world"}))
    assert response.status_code == 202
    assert response.json()["error"]["code"] == "no_mapping"


def test_bad_connector_name_is_404(client, db):
    response = client.post("/webhooks/a%20b", content=b"{}")
    assert response.status_code == 404


def test_mappings_api_lists_files_and_detected_mappings(client, api, db):
    client.post(
        "/webhooks/twilio",
        content=urlencode(twilio_callback()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    listing = api.get("/api/v1/mappings").json()
    assert "8x8-sms" in [file["name"] for file in listing["files"]]
    [twilio] = [d for d in listing["detected"] if d["connector"] == "twilio"]
    assert twilio["version"] == 1
    assert twilio["confidences"]["fields"]["message_id"]["confidence"] >= 0.5
    assert 'status = "' in twilio["mapping"]


def lox24_delivery(dlr_code: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "api_version": "2022-05-25",
        "name": "sms.delivery",
        "created_at": 1764002100,
        "attempt_total": 4,
        "attempt_number": 1,
        "data": {"id": str(uuid.uuid4()), "key_id": 8207, "dlr_code": dlr_code, "status_code": 100},
        "notification_task_id": str(uuid.uuid4()),
    }


def test_a_recognized_provider_maps_a_code_its_first_bodies_never_showed(client, db):
    client.post("/webhooks/lox24", json=lox24_delivery(1))
    rejected = lox24_delivery(16)
    response = client.post("/webhooks/lox24", json=rejected)
    assert response.status_code == 200
    row = db.execute(
        "SELECT status, provider_status FROM receipts WHERE message_id = %s",
        (rejected["data"]["id"],),
    )
    assert row.fetchone() == ("failed", "16")


def test_8x8_voice_events_are_stored_raw_not_quarantined(client, db):
    session = {
        "namespace": "VOICE",
        "eventType": "SESSION_SUMMARY",
        "description": "Session summary of a voice call",
        "payload": {"sessionId": str(uuid.uuid4()), "callStatus": "COMPLETED"},
    }
    response = client.post("/webhooks/8x8", json=session)
    assert response.status_code == 200
    outcome = db.execute("SELECT outcome FROM webhook_bodies").fetchone()
    assert outcome == ("ignored",)
    assert receipts(db) == []
