"""GET /api/v1/forwards?state=: the outbox to MoEngage, newest first, with counts."""

from __future__ import annotations

import httpx
import orjson

from tests.support.bodies import new_umid, sms_receipt


def send(client: httpx.Client, count: int) -> list[str]:
    umids = [new_umid() for _ in range(count)]
    for umid in umids:
        assert (
            client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt(umid))).status_code == 200
        )
    return umids


def test_forwards_need_the_api_token(live_server):
    response = httpx.get(f"{live_server.url}/api/v1/forwards")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_forwards_list_pending_and_count_every_state(client, api, db):
    umids = send(client, 3)
    db.execute(
        "UPDATE forwards SET state = 'dead', dead_at = now(), last_http_status = 401,"
        " last_error = 'bad key' WHERE message_id = %s",
        (umids[0],),
    )
    page = api.get("/api/v1/forwards", params={"state": "pending"}).json()
    assert page["counts"] == {"pending": 2, "done": 0, "dead": 1}
    assert [item["message_id"] for item in page["items"]] == [umids[2], umids[1]]
    assert page["items"][0]["body"]["status"] == "delivered"
    dead = api.get("/api/v1/forwards", params={"state": "dead"}).json()["items"]
    assert [
        (item["message_id"], item["last_http_status"], item["last_error"]) for item in dead
    ] == [(umids[0], 401, "bad key")]


def test_forwards_page_with_before(client, api, db):
    umids = send(client, 3)
    first = api.get("/api/v1/forwards", params={"limit": 2}).json()
    assert [item["message_id"] for item in first["items"]] == [umids[2], umids[1]]
    second = api.get("/api/v1/forwards", params={"limit": 2, "before": first["next_before"]})
    assert [item["message_id"] for item in second.json()["items"]] == [umids[0]]
    assert second.json()["next_before"] is None


def test_an_unknown_state_is_a_json_400(api, db):
    response = api.get("/api/v1/forwards", params={"state": "lost"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"  # as every API answers it
    assert response.json()["error"]["detail"].startswith("state: ")


def test_a_before_beyond_any_id_is_a_bad_request_not_a_crash(api, db):
    response = api.get("/api/v1/forwards", params={"before": 2**64})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_forwards_answer_says_how_forwarding_is_doing(client, api, db, moengage, forwarders):
    import orjson

    from tests.support.bodies import sms_receipt
    from tests.support.waiting import wait_for

    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    waiting = api.get("/api/v1/forwards").json()
    assert waiting["oldest_pending_age_seconds"] >= 0 and waiting["last_answer"] is None
    forwarders()
    answered = wait_for(lambda: api.get("/api/v1/forwards").json()["last_answer"])
    assert answered["status"] == 200
    assert api.get("/api/v1/forwards").json()["oldest_pending_age_seconds"] is None
