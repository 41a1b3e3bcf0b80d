"""GET /api/v1/messages/<id>: current status and timeline, by umid or client message id."""

from __future__ import annotations

import httpx
import orjson

from tests.support.bodies import new_umid, sms_receipt


def send(client: httpx.Client, *bodies: dict) -> None:
    for body in bodies:
        assert client.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200


def test_message_shows_current_status_and_timeline(client, api):
    umid = new_umid()
    send(
        client,
        sms_receipt(umid, "delivered", "delivered_to_recipient", "2026-03-02T08:15:42Z"),
        sms_receipt(umid, "sent", None, "2026-03-02T08:15:30Z"),
    )
    message = api.get(f"/api/v1/messages/{umid}").json()
    assert message["status"] == "delivered"
    assert [entry["status"] for entry in message["timeline"]] == ["sent", "delivered"]
    assert message["recipient"] == "+6591234567"


def test_message_found_by_umid_in_any_case(client, api):
    umid = new_umid()
    send(client, sms_receipt(umid))
    response = api.get(f"/api/v1/messages/{umid.upper()}")
    assert response.status_code == 200
    assert response.json()["message_id"] == umid


def test_message_found_by_client_message_id(client, api):
    umid = new_umid()
    send(client, sms_receipt(umid, client_message_id="cust-991-campaign-17"))
    response = api.get("/api/v1/messages/cust-991-campaign-17")
    assert response.json()["message_id"] == umid


def test_unknown_message_is_json_404(client, api):
    response = api.get(f"/api/v1/messages/{new_umid()}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_id_with_a_nul_character_is_json_404(api):
    response = api.get("/api/v1/messages/abc%00def")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_message_needs_the_api_token(client):
    response = client.get(f"/api/v1/messages/{new_umid()}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_webhook_secret_is_not_an_api_token(client):
    response = client.get(
        f"/api/v1/messages/{new_umid()}", headers={"Authorization": client.headers["Authorization"]}
    )
    assert response.status_code == 401


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
