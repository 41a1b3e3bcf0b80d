"""GET /api/v1/reports/summary (and .csv, and the CLI): exact figures for a known campaign."""

from __future__ import annotations

import csv
import io

import psycopg
import pytest
from click.testing import CliRunner

from receipts.cli import main
from receipts.reports.schemas import GROUPINGS
from receipts.reports.summary import summarize
from receipts.store.reports import refresh_rollup
from tests.bodies import sms_receipt
from tests.reports.conftest import send

RANGE = {"from": "2026-03-02", "to": "2026-03-04"}


def summary(api, **params):
    response = api.get("/api/v1/reports/summary", params={**RANGE, **params})
    assert response.status_code == 200, response.text
    return response.json()


def groups(body: dict) -> dict:
    return {group["key"]: group for group in body["groups"]}


def test_summary_by_day_counts_rates_and_latency(campaign, api):
    body = summary(api, by="day")
    assert body["source"] == "rollup"
    first, second = groups(body)["2026-03-02"], groups(body)["2026-03-03"]
    assert first["messages"] == 4
    assert first["statuses"] == {
        "queued": 0, "sent": 1, "delivered": 2, "read": 0, "failed": 1, "unknown": 0
    }  # fmt: skip
    assert (first["final"], first["delivered_final"]) == (3, 2)
    assert first["delivery_rate"] == pytest.approx(2 / 3, abs=1e-6)
    assert first["latency_seconds"] == {"p50": 30.0, "p90": 60.0, "p99": 60.0}
    assert (second["messages"], second["final"], second["delivered_final"]) == (2, 2, 1)
    assert second["delivery_rate"] == 0.5
    assert second["latency_seconds"] == {"p50": 0.0, "p90": 2.0, "p99": 2.0}
    assert body["totals"]["messages"] == 6
    assert body["totals"]["delivery_rate"] == pytest.approx(3 / 5, abs=1e-6)


def test_summary_by_error_names_8x8_codes(campaign, api):
    by_error = groups(summary(api, by="error"))
    assert by_error["15"]["label"] == "Invalid destination"
    assert by_error["15"]["statuses"]["failed"] == 1
    assert by_error["43"]["label"] == "Spam filter"
    assert by_error[None]["messages"] == 4


def test_summary_by_country_sender_channel_status_hour(campaign, api):
    counts = {
        by: {k: g["messages"] for k, g in groups(summary(api, by=by)).items()} for by in GROUPINGS
    }
    assert counts["country"] == {"SG": 4, "GB": 1, "CA": 1}
    assert counts["sender"] == {"ACME": 3, "SHOP": 2, None: 1}
    assert counts["channel"] == {"sms": 5, "whatsapp": 1}
    assert counts["status"] == {"sent": 1, "delivered": 2, "read": 1, "failed": 2}
    assert counts["hour"] == {
        "2026-03-02T08:00:00Z": 2,
        "2026-03-02T09:00:00Z": 2,
        "2026-03-03T10:00:00Z": 1,
        "2026-03-03T11:00:00Z": 1,
    }


def test_range_off_the_hour_is_answered_from_messages_with_the_same_figures(campaign, api):
    body = summary(api, by="day", **{"from": "2026-03-02T00:00:30Z", "to": "2026-03-04T00:00:00Z"})
    assert body["source"] == "messages"
    assert body["groups"] == summary(api, by="day")["groups"]


def test_rollup_and_messages_agree_for_every_grouping(campaign, migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        for by in GROUPINGS:
            start, end = _range()
            exact = summarize(conn, start, end, by, rollup=False)
            rolled = summarize(conn, start, end, by, rollup=True)
            assert [vars(g) for g in rolled.groups] == [vars(g) for g in exact.groups], by


def test_an_early_receipt_arriving_late_moves_the_message_to_its_hour(campaign, client, migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        send(client, sms_receipt(campaign.ids["c"], "queued", None, "2026-03-02T07:59:59Z"))
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        start, end = _range()
        hours = {g.key: g.messages for g in summarize(conn, start, end, "hour", rollup=True).groups}
    assert hours["2026-03-02T07:00:00Z"] == 1
    assert hours["2026-03-02T09:00:00Z"] == 1


def test_refresh_counts_only_what_changed(campaign, migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        assert refresh_rollup(conn) == 0


def test_csv_matches_the_json(campaign, api):
    response = api.get("/api/v1/reports/summary.csv", params={**RANGE, "by": "error"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    body = summary(api, by="error")
    assert [row["key"] or None for row in rows] == [g["key"] for g in body["groups"]]
    for row, group in zip(rows, body["groups"], strict=True):
        assert int(row["messages"]) == group["messages"]
        assert int(row["failed"]) == group["statuses"]["failed"]
        assert int(row["final"]) == group["final"]
        assert (float(row["delivery_rate"]) if row["delivery_rate"] else None) == group[
            "delivery_rate"
        ]
        assert (row["label"] or None) == group["label"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"from": "2026-03-02", "to": "yesterday"}, "to"),
        ({"to": "2026-03-02"}, "from"),
        ({**RANGE, "by": "planet"}, "by"),
        ({"from": "2026-03-04", "to": "2026-03-02"}, "to"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, params, named):
    response = api.get("/api/v1/reports/summary", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["detail"].startswith(f"{named}:")


def test_cli_prints_the_summary_as_a_table(campaign, config):
    env = {"DATABASE_URL": config.database_url}
    result = CliRunner().invoke(
        main, ["report", "summary", "--from", "2026-03-02", "--to", "2026-03-04"], env=env
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2].split()[:8] == ["2026-03-02", "4", "2", "0", "1", "1", "3", "66.7%"]
    assert lines[-1].split()[:2] == ["total", "6"]


def test_cli_refuses_a_bad_grouping_in_one_line(config):
    result = CliRunner().invoke(
        main,
        ["report", "summary", "--from", "2026-03-02", "--to", "2026-03-04", "--by", "planet"],
        env={"DATABASE_URL": config.database_url},
    )
    assert result.exit_code != 0
    assert "--by" in result.output


def _range():
    from datetime import UTC, datetime

    return datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
