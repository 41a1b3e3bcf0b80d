"""GET /api/v1/reports/summary (and .csv, and the CLI): exact figures for a known campaign."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from click.testing import CliRunner

from receipts.cli import main
from receipts.reports.summary import summarize
from receipts.store.reports import GROUPINGS, refresh_rollup, refresh_rollup_if_due
from tests.support.bodies import new_umid, sms_receipt
from tests.support.campaign import send

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


def test_refresh_recounts_only_the_hours_of_messages_that_changed(campaign, client, migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        send(client, sms_receipt(campaign.ids["c"], "delivered", None, "2026-03-03T10:30:00Z"))
        recounted = conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        assert recounted.fetchone()[0] == 2  # c's hour (02 09:00) and its new receipt's


def test_a_fresh_rollup_is_not_refreshed_by_a_summary(campaign, migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        assert refresh_rollup_if_due(conn, timedelta(minutes=1)) is None


def test_a_rollup_older_than_the_limit_is_refreshed_by_a_summary(campaign, migrated):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
        conn.execute("UPDATE message_rollup_state SET refreshed_at = now() - interval '2 minutes'")
        assert refresh_rollup_if_due(conn, timedelta(minutes=1)) == 0


def test_hours_since_the_last_refresh_are_counted_from_messages(reports_db, client):
    reports_db.execute("SELECT refresh_message_rollup(interval '0 seconds')")
    now = datetime.now(UTC)
    send(client, sms_receipt(new_umid(), "sent", None, now.isoformat().replace("+00:00", "Z")))
    start = now.replace(minute=0, second=0, microsecond=0)
    result = summarize(reports_db, start, start + timedelta(hours=1), "day", rollup=True)
    assert (result.source, result.totals.messages) == ("rollup", 1)


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
    return datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)


def test_a_summary_while_the_first_build_runs_counts_from_messages(campaign, migrated):
    with psycopg.connect(migrated, autocommit=True) as builder:
        builder.execute("SELECT pg_advisory_lock(hashtext('message_rollup_hourly'))")
        with psycopg.connect(migrated, autocommit=True) as conn:
            start, end = _range()
            assert summarize(conn, start, end, "day", rollup=True).totals.messages == 6


def test_a_back_dated_receipt_is_counted_at_once_without_a_refresh(campaign, client, migrated, api):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
    before = groups(summary(api, by="day"))["2026-03-02"]["messages"]
    send(client, sms_receipt(new_umid(), "delivered", None, "2026-03-02T08:45:00Z"))
    body = summary(api, by="day")
    assert body["source"] == "rollup"
    assert groups(body)["2026-03-02"]["messages"] == before + 1


def test_a_late_receipt_for_a_rolled_up_message_is_counted_at_once(campaign, client, migrated, api):
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("SELECT refresh_message_rollup(interval '0 seconds')")
    send(client, sms_receipt(campaign.ids["c"], "delivered", None, "2026-03-02T09:00:30Z"))
    day = groups(summary(api, by="day"))["2026-03-02"]
    assert (day["statuses"]["sent"], day["statuses"]["delivered"]) == (0, 3)


def test_the_summary_says_when_it_was_computed(campaign, api):
    from datetime import UTC, datetime

    computed = datetime.fromisoformat(summary(api, by="day")["computed_at"])
    assert abs((datetime.now(UTC) - computed).total_seconds()) < 60
