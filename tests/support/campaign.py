"""A small campaign with known figures, sent through the real webhook, for the report tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import orjson

from tests.support.bodies import chatapps_receipt, new_umid, sms_receipt


def send(client: httpx.Client, *bodies: dict) -> None:
    for body in bodies:
        response = client.post("/webhooks/8x8", content=orjson.dumps(body))
        assert response.status_code == 200, response.text


def from_sender(body: dict, sender: str) -> dict:
    body["payload"]["source"] = sender
    return body


@dataclass(frozen=True)
class Campaign:
    """Six messages over two days; the figures the tests expect are in the docstrings."""

    ids: dict[str, str]
    receipts: int


def send_campaign(client: httpx.Client) -> Campaign:
    """2026-03-02: a delivered in 10 s, b failed (15) in 60 s, c only sent, d delivered in 30 s
    (to GB, from SHOP, through delivered_to_operator first). 2026-03-03: e rejected (43) in
    2 s (to CA, from SHOP), f a WhatsApp read with no earlier receipt (0 s)."""
    ids = {name: new_umid() for name in "abcdef"}
    sg, gb, ca = "+6591234567", "+447700900123", "+12045551234"
    send(
        client,
        sms_receipt(ids["a"], "sent", None, "2026-03-02T08:00:00Z", destination=sg),
        sms_receipt(ids["a"], "delivered", "delivered_to_recipient", "2026-03-02T08:00:10Z"),
        sms_receipt(ids["b"], "sent", None, "2026-03-02T08:30:00Z", destination=sg),
        sms_receipt(
            ids["b"],
            "undelivered",
            "undelivered_to_recipient",
            "2026-03-02T08:31:00Z",
            error_code=15,
            error_message="Invalid destination",
        ),
        sms_receipt(ids["c"], "sent", None, "2026-03-02T09:00:00Z", destination=sg),
        from_sender(
            sms_receipt(ids["d"], "sent", None, "2026-03-02T09:10:00Z", destination=gb), "SHOP"
        ),
        from_sender(
            sms_receipt(
                ids["d"],
                "delivered",
                "delivered_to_operator",
                "2026-03-02T09:10:05Z",
                destination=gb,
            ),
            "SHOP",
        ),
        from_sender(
            sms_receipt(
                ids["d"],
                "delivered",
                "delivered_to_recipient",
                "2026-03-02T09:10:30Z",
                destination=gb,
            ),
            "SHOP",
        ),
        from_sender(
            sms_receipt(ids["e"], "sent", None, "2026-03-03T10:00:00Z", destination=ca), "SHOP"
        ),
        from_sender(
            sms_receipt(
                ids["e"],
                "rejected",
                "rejected_by_operator",
                "2026-03-03T10:00:02Z",
                error_code=43,
                error_message="Spam filter",
                destination=ca,
            ),
            "SHOP",
        ),
        chatapps_receipt(ids["f"], state="read", timestamp="2026-03-03T11:00:00Z"),
    )
    return Campaign(ids, receipts=11)
