"""`receipts db prune --before YYYY-MM`: whole monthly partitions dropped, nothing newer touched."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import psycopg
import pytest
from click.testing import CliRunner

from receipts.cli import main
from receipts.store import importing, retention
from tests.support.bodies import new_umid, sms_receipt
from tests.support.processes import app_environment


def post(client, umid: str, timestamp: str, state: str = "delivered") -> None:
    body = sms_receipt(umid, state, None, timestamp=timestamp)
    assert client.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200


def partitions(db: psycopg.Connection) -> set[str]:
    rows = db.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'receipts'::regclass"
    )
    return {row[0] for row in rows}


def receipts_of(db: psycopg.Connection, umid: str) -> int:
    return db.execute("SELECT count(*) FROM receipts WHERE message_id = %s", (umid,)).fetchone()[0]


@pytest.fixture
def old_months(db) -> None:
    importing.ensure_partitions(db, [date(2019, 1, 1), date(2019, 2, 1), date(2019, 3, 1)])


def test_months_before_the_cutoff_are_dropped_as_whole_partitions(client, db, old_months):
    january, march = new_umid(), new_umid()
    post(client, january, "2019-01-15T10:00:00Z")
    post(client, march, "2019-03-15T10:00:00Z")
    pruned = retention.prune_before(db, date(2019, 2, 1))
    assert pruned.partitions >= 1
    assert "receipts_2019_01" not in partitions(db)
    assert {"receipts_2019_02", "receipts_2019_03", "receipts_default"} <= partitions(db)
    assert (receipts_of(db, january), receipts_of(db, march)) == (0, 1)


def test_out_of_range_receipts_in_the_default_partition_are_deleted(client, db):
    ancient, later = new_umid(), new_umid()
    post(client, ancient, "2001-06-01T00:00:00Z")
    post(client, later, "2001-08-01T00:00:00Z")
    pruned = retention.prune_before(db, date(2001, 7, 1))
    assert pruned.default_rows == 1
    assert (receipts_of(db, ancient), receipts_of(db, later)) == (0, 1)


def test_a_message_goes_with_its_last_receipt(client, db, old_months):
    gone, spanning = new_umid(), new_umid()
    post(client, gone, "2019-01-15T10:00:00Z")
    post(client, spanning, "2019-01-31T23:59:00Z", "sent")
    post(client, spanning, "2019-02-01T00:01:00Z")
    pruned = retention.prune_before(db, date(2019, 2, 1))
    assert pruned.messages == 1
    kept = db.execute("SELECT message_id, status FROM messages ORDER BY 1").fetchall()
    assert kept == [(spanning, "delivered")]


def test_pruning_again_finds_nothing(client, db, old_months):
    post(client, new_umid(), "2019-01-15T10:00:00Z")
    retention.prune_before(db, date(2019, 2, 1))
    again = retention.prune_before(db, date(2019, 2, 1))
    assert (again.partitions, again.default_rows, again.messages) == (0, 0, 0)


def test_receipts_of_the_current_month_are_never_touched(client, db):
    umid = new_umid()
    now = datetime.now(UTC).replace(microsecond=0)
    post(client, umid, now.isoformat())
    retention.prune_before(db, now.date().replace(day=1))
    assert receipts_of(db, umid) == 1
    retention.keep_partitions_ahead(db)  # last month's partition, for the tests that follow


def test_partitions_are_kept_ahead(db):
    retention.keep_partitions_ahead(db)
    ahead = db.execute(
        "SELECT to_char(date_trunc('month', now()) + interval '4 months', 'YYYY_MM')"
    ).fetchone()[0]
    assert f"receipts_{ahead}" in partitions(db)


def test_cli_prints_what_it_pruned(db, config, old_months):
    result = CliRunner().invoke(
        main, ["db", "prune", "--before", "2019-02"], env=app_environment(config)
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("pruned before 2019-02: ")


@pytest.mark.parametrize("month", ["2019-13", "last year", "2019-02-01", ""])
def test_cli_refuses_a_malformed_month(config, month):
    result = CliRunner().invoke(
        main, ["db", "prune", "--before", month], env=app_environment(config)
    )
    assert result.exit_code == 2
    assert "expected YYYY-MM" in result.output


def test_cli_refuses_a_month_after_the_current_one(config):
    today = datetime.now(UTC).date()
    month = f"{today.year + 1}-01"
    result = CliRunner().invoke(
        main, ["db", "prune", "--before", month], env=app_environment(config)
    )
    assert result.exit_code == 2
    assert "after the current month" in result.output
