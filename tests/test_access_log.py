"""One log line per request, with the query's values and every credential left out."""

from __future__ import annotations

import json
import logging

import orjson

from receipts.logs import JsonFormatter
from receipts.web.access_log import redacted_query
from tests.support.bodies import sms_receipt
from tests.support.credentials import API_TOKEN, WEBHOOK_SECRET


def access_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "receipts.access"]


def test_one_line_per_request_without_secrets(client, caplog):
    caplog.set_level(logging.DEBUG, logger="receipts.access")
    client.post(
        f"/webhooks/8x8?token={WEBHOOK_SECRET}&strict=1",
        content=orjson.dumps(sms_receipt()),
        headers={"Authorization": ""},
    )
    client.get(f"/?token={API_TOKEN}")
    records = access_records(caplog)
    assert len(records) == 2
    lines = [JsonFormatter().format(record) for record in records]
    for line in lines:
        assert WEBHOOK_SECRET not in line
        assert API_TOKEN not in line
    webhook = json.loads(lines[0])
    assert webhook["path"] == "/webhooks/8x8"
    assert webhook["query"] == "token=*&strict=*"
    assert webhook["status"] == 200
    assert webhook["route"] == "/webhooks/<connector>"
    assert isinstance(webhook["duration_ms"], float)


def test_receipts_taken_in_are_logged_at_debug_refusals_at_info(client, caplog):
    caplog.set_level(logging.INFO, logger="receipts.access")
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
    client.post("/webhooks/8x8", content=b"{}", headers={"Authorization": "Bearer wrong"})
    client.get("/api/v1/receipts")
    logged = [record.getMessage().split()[1:3] for record in access_records(caplog)]
    assert logged == [["/webhooks/8x8", "401"], ["/api/v1/receipts", "401"]]


def test_authorization_header_is_never_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="receipts.access")
    client.get("/api/v1/receipts")
    line = JsonFormatter().format(access_records(caplog)[0])
    assert WEBHOOK_SECRET not in line
    assert json.loads(line)["status"] == 401


def test_redacted_query_keeps_names_only():
    assert redacted_query(b"from=2026-03-01&token=s3cret&token=again") == ("from=*&token=*&token=*")
