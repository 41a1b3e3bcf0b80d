"""GET /metrics: webhook outcomes, answer codes, latency, and the outbox read at scrape time."""

from __future__ import annotations

import orjson
from prometheus_client.parser import text_string_to_metric_families

from tests.support.bodies import new_umid, sms_receipt


def samples(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def webhook(outcome: str) -> tuple[str, tuple]:
    return ("receipts_webhook_receipts_total", (("connector", "8x8"), ("outcome", outcome)))


def test_webhook_outcomes_are_counted(client):
    before = samples(client)
    body = orjson.dumps(sms_receipt(new_umid()))
    client.post("/webhooks/8x8", content=body)
    client.post("/webhooks/8x8", content=body)
    client.post("/webhooks/8x8", content=b"not json")
    after = samples(client)
    for outcome, added in (("stored", 1), ("duplicate", 1), ("quarantined", 1)):
        assert after[webhook(outcome)] - before.get(webhook(outcome), 0) == added


def test_answers_and_latency_by_route(client):
    client.get("/healthz")
    after = samples(client)
    assert after[("receipts_http_responses_total", (("code", "200"), ("route", "/healthz")))] >= 1
    count = ("receipts_http_request_duration_seconds_count", (("route", "/healthz"),))
    assert after[count] >= 1


def test_outbox_figures_come_from_the_database(client, db):
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt(new_umid())))
    db.execute("UPDATE forwards SET created_at = now() - interval '90 seconds'")
    after = samples(client)
    assert after[("receipts_forwards", (("state", "pending"),))] == 1
    assert after[("receipts_forwards", (("state", "dead"),))] == 0
    assert after[("receipts_oldest_pending_forward_age_seconds", ())] >= 90


def test_nothing_is_queued_for_a_commit_once_every_receipt_is_answered(client):
    for _ in range(3):
        client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt(new_umid())))
    assert samples(client)[("receipts_webhook_bodies_queued_for_commit", ())] == 0
