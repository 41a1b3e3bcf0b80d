"""POST /webhooks/8x8: 200 committed, 202 quarantined, 401, 413 and the rest, as README.md
"Register the webhook in 8x8" lists them, over real HTTP and PostgreSQL."""

from __future__ import annotations

import base64

import httpx
import orjson
import psycopg

from tests.support.bodies import chatapps_receipt, inbound_sms, new_umid, sms_receipt
from tests.support.credentials import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET


def post(client: httpx.Client, body: object, **kwargs: object) -> httpx.Response:
    return client.post("/webhooks/8x8", content=orjson.dumps(body), **kwargs)


def outcomes(db: psycopg.Connection) -> list[tuple[str, str | None]]:
    return db.execute("SELECT outcome, error_code FROM webhook_bodies ORDER BY id").fetchall()


def receipt_count(db: psycopg.Connection) -> int:
    return db.execute("SELECT count(*) FROM receipts").fetchone()[0]


def current_status(db: psycopg.Connection, umid: str) -> str:
    return db.execute("SELECT status FROM messages WHERE message_id = %s", (umid,)).fetchone()[0]


def test_receipt_is_committed_before_200(client, db):
    body = sms_receipt()
    response = post(client, body)
    assert response.status_code == 200
    assert response.json() == {"received": 1}
    row = db.execute("SELECT message_id, status, recipient FROM receipts").fetchone()
    assert row == (body["payload"]["umid"], "delivered", "+6591234567")


def test_raw_body_is_kept_as_received(client, db):
    raw = orjson.dumps(sms_receipt()) + b"\n"
    client.post("/webhooks/8x8", content=raw, headers={"Content-Type": "application/json"})
    stored = db.execute("SELECT body, content_type, connector FROM webhook_bodies").fetchone()
    assert stored == (raw, "application/json", "8x8")


def test_duplicate_is_stored_once_and_answered_200(client, db):
    body = sms_receipt()
    assert post(client, body).status_code == 200
    second = post(client, body)
    assert second.status_code == 200
    assert second.json() == {"received": 1}
    assert receipt_count(db) == 1
    assert [outcome for outcome, _ in outcomes(db)] == ["receipt", "receipt"]


def test_late_sent_does_not_undo_delivered(client, db):
    umid = new_umid()
    post(client, sms_receipt(umid, "delivered", timestamp="2026-03-02T08:15:42Z"))
    post(client, sms_receipt(umid, "sent", None, timestamp="2026-03-02T08:15:30Z"))
    assert current_status(db, umid) == "delivered"
    assert receipt_count(db) == 2


def test_failed_is_terminal(client, db):
    umid = new_umid()
    post(client, sms_receipt(umid, "undelivered", "undelivered_to_recipient", error_code=1))
    post(client, sms_receipt(umid, "delivered", timestamp="2026-03-02T09:00:00Z"))
    assert current_status(db, umid) == "failed"


def test_handset_receipt_follows_operator_receipt(client, db):
    umid = new_umid()
    post(
        client, sms_receipt(umid, detail="delivered_to_operator", timestamp="2026-03-02T08:15:40Z")
    )
    post(
        client, sms_receipt(umid, detail="delivered_to_recipient", timestamp="2026-03-02T08:15:42Z")
    )
    row = db.execute("SELECT provider_detail FROM messages WHERE message_id = %s", (umid,))
    assert row.fetchone()[0] == "delivered_to_recipient"


def test_uppercase_umid_is_the_same_message(client, db):
    umid = new_umid()
    post(client, sms_receipt(umid.upper(), "sent", None, timestamp="2026-03-02T08:15:30Z"))
    post(client, sms_receipt(umid, "delivered"))
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert current_status(db, umid) == "delivered"


def test_inbound_message_makes_no_receipt(client, db):
    response = post(client, inbound_sms())
    assert response.status_code == 200
    assert response.json() == {"received": 0}
    assert receipt_count(db) == 0
    assert outcomes(db) == [("ignored", None)]


def test_chatapps_receipt_keeps_whatsapp_error_code(client, db):
    body = chatapps_receipt(
        state="undelivered",
        detail="rejected_by_operator",
        error_code=15,
        provider_error_code="131009",
    )
    assert post(client, body).status_code == 200
    row = db.execute("SELECT status, channel, error_code, provider_error_code FROM receipts")
    assert row.fetchone() == ("failed", "whatsapp", "15", "131009")


def test_wrong_secret_is_401_and_stores_nothing(client, db):
    response = post(client, sms_receipt(), headers={"Authorization": "Bearer not-the-secret"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert outcomes(db) == []


def test_missing_secret_is_401(client, db):
    response = httpx.post(f"{client.base_url}/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    assert response.status_code == 401
    assert outcomes(db) == []


def test_secret_in_query_token_is_accepted(client, db):
    response = post(
        client, sms_receipt(), params={"token": WEBHOOK_SECRET}, headers={"Authorization": ""}
    )
    assert response.status_code == 200


def test_basic_authorization_carries_the_secret(client, db):
    basic = base64.b64encode(f"8x8:{WEBHOOK_SECRET}".encode()).decode()
    response = post(client, sms_receipt(), headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200


def test_every_configured_secret_is_valid_for_rotation(client, db):
    response = post(
        client, sms_receipt(), headers={"Authorization": f"Bearer {OLD_WEBHOOK_SECRET}"}
    )
    assert response.status_code == 200


def test_body_over_the_limit_is_413_and_stores_nothing(client, db, config):
    body = b'{"padding": "' + b"x" * config.max_body + b'"}'
    response = client.post("/webhooks/8x8", content=body)
    assert response.status_code == 413
    detail = response.json()["error"]["detail"]
    assert str(config.max_body) in detail and "RECEIPTS_MAX_BODY" in detail
    assert outcomes(db) == []


def test_get_on_webhook_is_405(client, db):
    response = client.get("/webhooks/8x8")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_unparseable_body_is_quarantined_with_202(client, db):
    response = client.post(
        "/webhooks/8x8", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 202
    assert response.json()["quarantined"] is True
    assert response.json()["error"]["code"] == "invalid_json"
    assert outcomes(db) == [("quarantined", "invalid_json")]


def test_strict_turns_quarantine_into_422(client, db):
    response = post(client, {"namespace": "SMS"}, params={"strict": "1"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_mapping"
    assert outcomes(db) == [("quarantined", "no_mapping")]


def test_missing_message_id_is_quarantined_naming_the_field(client, db):
    body = sms_receipt()
    del body["payload"]["umid"]
    response = post(client, body)
    assert response.status_code == 202
    assert response.json()["error"]["code"] == "missing_field"
    assert "message_id (payload.umid)" in response.json()["error"]["detail"]


def test_malformed_time_is_quarantined(client, db):
    response = post(client, sms_receipt(timestamp="yesterday"))
    assert response.status_code == 202
    assert response.json()["error"]["code"] == "invalid_field"
    assert "event_at" in response.json()["error"]["detail"]


def test_unsupported_content_type_is_quarantined(client, db):
    response = client.post(
        "/webhooks/8x8", content=b"<xml/>", headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 202
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_deeply_nested_body_is_quarantined(client, db):
    body: object = "leaf"
    for _ in range(100):
        body = {"a": body}
    response = post(client, body)
    assert response.status_code == 202
    assert response.json()["error"]["code"] == "too_deep"


def test_unknown_path_is_json_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_json_sent_with_curls_default_form_type_is_read_as_json(client, db):
    response = client.post(
        "/webhooks/8x8",
        content=orjson.dumps(sms_receipt()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert receipt_count(db) == 1
