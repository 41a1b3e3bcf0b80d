"""Failures by reason in summaries and forwards, the suppression list, and reclassifying."""

from __future__ import annotations

import csv
import io

import orjson
from click.testing import CliRunner

from receipts.cli import main
from tests.support.bodies import chatapps_receipt, new_umid, sms_receipt
from tests.support.campaign import send
from tests.support.processes import app_environment

NO_ACCOUNT, INVALID, ABSENT = "+6590000001", "+6590000002", "+6590000003"


def failed_sms(to: str, code: int, message: str, at: str = "2026-03-02T08:31:00Z") -> dict:
    return sms_receipt(
        new_umid(), "undelivered", None, at, error_code=code, error_message=message, destination=to
    )


def failures(client) -> None:
    send(
        client,
        chatapps_receipt(
            new_umid(),
            state="undelivered",
            timestamp="2026-03-02T08:30:00Z",
            msisdn=NO_ACCOUNT,
            error_code=1,
            error_message="AbsentSubscriber",
        ),
        failed_sms(INVALID, 15, "Invalid destination"),
        failed_sms(ABSENT, 1, "Absent subscriber"),
    )


def suppressed(api, **params) -> dict[str, dict]:
    response = api.get("/api/v1/suppressions", params=params)
    assert response.status_code == 200, response.text
    return {row["recipient"]: row for row in response.json()["suppressions"]}


def test_no_account_and_invalid_destination_are_suppressed_absent_is_not(client, api, db):
    failures(client)
    rows = suppressed(api)
    assert set(rows) == {NO_ACCOUNT, INVALID}
    assert (rows[NO_ACCOUNT]["reason_category"], rows[INVALID]["reason_category"]) == (
        "not_on_channel",
        "invalid_number",
    )
    assert rows[INVALID]["failures"] == 1


def test_a_later_delivered_message_drops_a_recipient(client, api, db):
    failures(client)
    send(client, sms_receipt(new_umid(), timestamp="2026-03-05T08:00:00Z", destination=INVALID))
    assert set(suppressed(api)) == {NO_ACCOUNT}


def test_suppressions_since_leave_older_failures_out(client, api, db):
    failures(client)
    send(client, failed_sms("+6590000004", 59, "Unknown subscriber", at="2026-04-01T00:00:00Z"))
    assert set(suppressed(api, since="2026-03-15T00:00:00Z")) == {"+6590000004"}


def test_suppressions_csv_is_ready_to_upload(client, api, db):
    failures(client)
    response = api.get("/api/v1/suppressions.csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.headers["content-type"].startswith("text/csv")
    assert {row["recipient"] for row in rows} == {NO_ACCOUNT, INVALID}
    assert set(rows[0]) == {"recipient", "reason_category", "channel", "failures", "last_failed_at"}


def test_report_suppressions_prints_the_list(client, db, config):
    failures(client)
    result = CliRunner().invoke(
        main, ["report", "suppressions", "--csv"], env=app_environment(config)
    )
    assert result.exit_code == 0, result.output
    assert INVALID in result.output and ABSENT not in result.output


def test_summary_by_reason_lists_the_providers_codes_under_each(client, api, reports_db):
    failures(client)
    response = api.get(
        "/api/v1/reports/summary",
        params={"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z", "by": "reason"},
    )
    groups = {group["key"]: group for group in response.json()["groups"]}
    assert groups["invalid_number"]["statuses"]["failed"] == 1
    assert groups["invalid_number"]["codes"] == [
        {"code": "15", "name": "Invalid destination", "messages": 1}
    ]
    assert set(groups) == {"invalid_number", "not_on_channel", "unreachable"}


def test_reclassify_reads_stored_failures_again(client, db, config):
    failures(client)
    db.execute("UPDATE receipts SET reason_category = NULL, permanent = NULL")
    db.execute("UPDATE messages SET reason_category = NULL, permanent = NULL")
    result = CliRunner().invoke(main, ["db", "reclassify"], env=app_environment(config))
    assert result.exit_code == 0, result.output
    assert "reclassified 3 failed receipt(s)" in result.output
    rows = db.execute(
        "SELECT recipient, reason_category, permanent FROM messages ORDER BY recipient"
    ).fetchall()
    assert rows == [
        (NO_ACCOUNT, "not_on_channel", True),
        (INVALID, "invalid_number", True),
        (ABSENT, "unreachable", False),
    ]


def test_the_forward_of_a_permanent_failure_says_so(client, db):
    failures(client)
    bodies = [orjson.loads(orjson.dumps(row[0])) for row in db.execute("SELECT body FROM forwards")]
    by_recipient = {body["recipient"]: body for body in bodies}
    assert (by_recipient[NO_ACCOUNT]["reason_category"], by_recipient[NO_ACCOUNT]["permanent"]) == (
        "not_on_channel",
        True,
    )
    assert by_recipient[ABSENT]["permanent"] is False
