"""Every 8x8 sample beside the checkout, and every webhook example of 8x8's own docs."""

from __future__ import annotations

import json

import pytest

from tests.support.paths import SHARED

SAMPLES = SHARED / "samples" / "8x8"
DOCS = SHARED / "samples" / "8x8-docs"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir() or not DOCS.is_dir(),
    reason="../shared/samples is not beside this checkout (it is for the team's machines and CI)",
)

# What each file of ../shared/samples/8x8 must become (see its README).
EXPECTED_SAMPLES = {
    "sms-delivered-to-operator.json": (
        "delivered",
        "delivered",
        "delivered_to_operator",
        "sms",
        None,
    ),
    "sms-delivered.json": ("delivered", "delivered", "delivered_to_recipient", "sms", None),
    "sms-rejected.json": ("failed", "rejected", None, "sms", "43"),
    "sms-undelivered-with-price.json": (
        "failed",
        "undelivered",
        "rejected_by_operator",
        "sms",
        "15",
    ),
    "sms-undelivered.json": ("failed", "undelivered", "undelivered_to_recipient", "sms", "1"),
    "whatsapp-read.json": ("read", "read", None, "whatsapp", None),
    "whatsapp-undelivered.json": (
        "failed",
        "undelivered",
        "rejected_by_operator",
        "whatsapp",
        "15",
    ),
    "whatsapp-v9-delivered.json": (
        "delivered",
        "delivered",
        "delivered_to_recipient",
        "whatsapp",
        None,
    ),
}


def sample_names() -> list[str]:
    return sorted(path.name for path in SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []


def doc_examples() -> dict[str, dict]:
    return json.loads((DOCS / "expected.json").read_text()) if DOCS.is_dir() else {}


def receipts(db) -> list[tuple]:
    return db.execute(
        "SELECT message_id, status, provider_status, provider_detail, channel, error_code"
        " FROM receipts"
    ).fetchall()


@pytest.mark.parametrize("name", sample_names())
def test_8x8_sample(name: str, client, db):
    raw = (SAMPLES / name).read_bytes()
    response = client.post(
        "/webhooks/8x8", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    umid = json.loads(raw)["payload"]["umid"]
    if name not in EXPECTED_SAMPLES:  # inbound: stored raw, no receipt
        assert response.json() == {"received": 0}
        assert receipts(db) == []
        return
    assert response.json() == {"received": 1}
    assert receipts(db) == [(umid, *EXPECTED_SAMPLES[name])]


@pytest.mark.parametrize("name", sorted(doc_examples()))
def test_8x8_documentation_example(name: str, client, db):
    expected = doc_examples()[name]
    example = json.loads((DOCS / name).read_text())
    response = client.post(
        "/webhooks/8x8",
        content=json.dumps(example["body"]).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert 200 <= response.status_code < 300
    stored = db.execute("SELECT count(*) FROM webhook_bodies").fetchone()[0]
    assert stored == 1
    if not expected["receipt"]:
        assert receipts(db) == []
        return
    assert response.status_code == 200
    assert receipts(db) == [
        (
            expected["message_id"],
            expected["status"],
            expected["provider_status"],
            expected["provider_detail"],
            expected["channel"],
            expected.get("error_code"),
        )
    ]
