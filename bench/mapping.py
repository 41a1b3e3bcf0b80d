"""Mapping throughput: receipts/s on one core through a compiled mapping file, against a plain
marshmallow nested `load` of the same 8x8 body in the same run (the obvious hand-written way).

    python bench/mapping.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import orjson
from marshmallow import EXCLUDE, Schema, fields

from receipts.mapping.engine import MappingSet

REPO = Path(__file__).resolve().parents[1]
BODY = orjson.dumps(
    {
        "namespace": "SMS",
        "eventType": "outbound_message_status_changed",
        "description": "SMS outbound message delivery receipt",
        "payload": {
            "umid": "5c2b9f10-7a3e-4d21-8b6c-0e4f1a2d3c58",
            "batchId": "3e09ac86-bd74-5465-851d-1eb5a5fdbb9b",
            "clientMessageId": "promo-7781",
            "clientBatchId": "spring-sale",
            "subAccountId": "Acme_Marketing",
            "source": "8x8",
            "destination": "+12025550293",
            "status": {
                "state": "undelivered",
                "detail": "rejected_by_operator",
                "timestamp": "2026-03-02T11:20:05.06Z",
                "errorCode": 15,
                "errorMessage": "Invalid destination",
            },
            "price": {"total": 0.0375, "perSms": 0.0125, "currency": "USD"},
            "smsCount": 3,
        },
    }
)


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class StatusSchema(_Base):
    state = fields.String(required=True)
    detail = fields.String()
    timestamp = fields.DateTime()
    errorCode = fields.Integer()
    errorMessage = fields.String()


class PriceSchema(_Base):
    total = fields.Decimal()
    perSms = fields.Decimal()
    currency = fields.String()


class PayloadSchema(_Base):
    umid = fields.String(required=True)
    batchId = fields.String()
    clientMessageId = fields.String()
    clientBatchId = fields.String()
    source = fields.String()
    destination = fields.String()
    status = fields.Nested(StatusSchema, required=True)
    price = fields.Nested(PriceSchema)
    smsCount = fields.Integer()


class EnvelopeSchema(_Base):
    namespace = fields.String()
    eventType = fields.String()
    payload = fields.Nested(PayloadSchema, required=True)


def rate(work, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(500):
            work()
        count += 500
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    mappings = MappingSet.from_paths(REPO / "mappings")
    plain = EnvelopeSchema()
    receipt = mappings.map_body("8x8", orjson.loads(BODY)).receipts[0]
    assert receipt.status == "failed" and receipt.error_code == "15"
    baseline = rate(lambda: plain.load(orjson.loads(BODY)), args.seconds)
    compiled = rate(lambda: mappings.map_body("8x8", orjson.loads(BODY)), args.seconds)
    print(f"plain marshmallow nested load: {baseline:9.0f} bodies/s per core (baseline)")
    print(f"compiled mapping 8x8-sms:      {compiled:9.0f} receipts/s per core")
    print(f"ratio compiled / baseline:     {compiled / baseline:9.2f}")


if __name__ == "__main__":
    main()
