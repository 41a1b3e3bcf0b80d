"""Messages that never get a final receipt: overdue past their channel's window, reported,
counted, and (opt-in) forwarded to MoEngage once as failed, with a late final as correction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import psycopg
import pytest
from click.testing import CliRunner

from receipts.cli import main
from receipts.config import Config, ConfigError
from tests.support.bodies import new_umid, sms_receipt
from tests.support.processes import app_environment
from tests.support.waiting import wait_for

WINDOWS = (("sms", 50 * 3600.0), ("whatsapp", 11 * 86400.0), ("default", 11 * 86400.0))


def ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def sent(client, umid: str, hours_ago: float) -> None:
    body = sms_receipt(umid, "sent", None, ago(hours_ago))
    assert client.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200


def overdue_forwards(db: psycopg.Connection) -> list[dict]:
    rows = db.execute("SELECT body FROM forwards WHERE body->>'reason' = 'no_final_receipt'")
    return [row[0] for row in rows]


def test_a_message_past_its_window_is_overdue_one_inside_is_not(client, db, config):
    late, recent = new_umid(), new_umid()
    sent(client, late, hours_ago=60)
    sent(client, recent, hours_ago=10)
    result = CliRunner().invoke(main, ["report", "overdue"], env=app_environment(config))
    assert result.exit_code == 0, result.output
    assert late in result.output and recent not in result.output
    assert "1 overdue message(s)" in result.output


def test_report_overdue_filters_by_channel(client, db, config):
    sent(client, new_umid(), hours_ago=60)
    env = app_environment(config)
    result = CliRunner().invoke(main, ["report", "overdue", "--channel", "whatsapp"], env=env)
    assert "0 overdue message(s)" in result.output


def test_an_overdue_message_is_forwarded_once_as_failed(client, db, moengage, forwarders):
    umid = new_umid()
    sent(client, umid, hours_ago=60)
    forwarders(overdue=WINDOWS)
    post = wait_for(lambda: moengage.accepted())[0]
    assert (post.body["message_id"], post.body["status"], post.body["reason"]) == (
        umid,
        "failed",
        "no_final_receipt",
    )
    wait_for(lambda: db.execute("SELECT count(*) FROM forwards WHERE state = 'done'").fetchone())
    assert len(overdue_forwards(db)) == 1  # later sweeps find it forwarded already


def test_a_late_final_receipt_is_forwarded_as_the_correction_once(client, db, moengage, forwarders):
    umid = new_umid()
    sent(client, umid, hours_ago=60)
    forwarders(overdue=WINDOWS)
    wait_for(lambda: moengage.accepted())
    delivered = sms_receipt(umid, "delivered", "delivered_to_recipient", ago(1))
    client.post("/webhooks/8x8", content=orjson.dumps(delivered))
    client.post("/webhooks/8x8", content=orjson.dumps(delivered))  # 8x8 retries it
    posts = wait_for(lambda: len(moengage.accepted()) >= 2 and moengage.accepted())
    assert [post.body["status"] for post in posts] == ["failed", "delivered"]
    rows = db.execute("SELECT status FROM forwards WHERE message_id = %s ORDER BY id", (umid,))
    assert [row[0] for row in rows] == ["failed", "delivered"]


def test_with_the_option_off_no_overdue_message_is_forwarded(client, db, moengage, forwarders):
    sent(client, new_umid(), hours_ago=60)
    delivered = new_umid()
    client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt(delivered)))
    forwarders()
    wait_for(lambda: moengage.accepted())
    assert [post.body["message_id"] for post in moengage.accepted()] == [delivered]
    assert overdue_forwards(db) == []


def test_the_summary_counts_overdue_messages(client, api, db):
    sent(client, new_umid(), hours_ago=60)
    sent(client, new_umid(), hours_ago=1)
    start = (datetime.now(UTC) - timedelta(days=4)).replace(microsecond=0).isoformat()
    end = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0).isoformat()
    answer = api.get(
        "/api/v1/reports/summary", params={"from": start, "to": end, "by": "channel"}
    ).json()
    [sms] = answer["groups"]
    assert (sms["key"], sms["overdue"], sms["overdue_rate"]) == ("sms", 1, 0.5)
    assert answer["totals"]["overdue"] == 1


def test_metrics_count_overdue_messages_by_channel(client, api, db):
    sent(client, new_umid(), hours_ago=60)
    text = api.get("/metrics").text
    assert 'receipts_overdue_messages{channel="sms"} 1.0' in text


def test_final_windows_come_from_the_environment():
    windows = Config.from_env({"RECEIPTS_FINAL_WINDOW": "sms=2h,default=3d"}).final_windows
    assert windows == (("sms", 7200.0), ("default", 259200.0))


@pytest.mark.parametrize("value", ["sms=2x", "sms=2h", "default=", "sms=h,default=1d"])
def test_a_bad_final_window_names_the_variable(value: str):
    with pytest.raises(ConfigError, match="RECEIPTS_FINAL_WINDOW"):
        Config.from_env({"RECEIPTS_FINAL_WINDOW": value})


def test_the_receipts_api_filters_on_overdue_messages(client, api, db):
    late, recent = new_umid(), new_umid()
    sent(client, late, hours_ago=60)
    sent(client, recent, hours_ago=1)
    answer = api.get("/api/v1/receipts", params={"overdue": "true"}).json()
    assert [receipt["message_id"] for receipt in answer["receipts"]] == [late]
