"""`receipts import`: NDJSON webhook bodies through the same mappings, deduplicated, COPY-based."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import psycopg
import pytest
from click.testing import CliRunner

from receipts.cli import main
from receipts.intake import backfill
from receipts.mapping.engine import MappingSet
from tests.support.bodies import inbound_sms, new_umid, sms_receipt
from tests.support.paths import REPO
from tests.support.processes import app_environment


@pytest.fixture(scope="module")
def mappings() -> MappingSet:
    return MappingSet.from_paths(REPO / "mappings")


def ndjson(path: Path, *bodies: object) -> Path:
    path.write_bytes(
        b"".join(
            (body if isinstance(body, bytes) else orjson.dumps(body)) + b"\n" for body in bodies
        )
    )
    return path


def run_import(
    db: psycopg.Connection | list[psycopg.Connection],
    mappings: MappingSet,
    *paths: Path,
    **options,
) -> backfill.ImportSummary:
    connections = db if isinstance(db, list) else [db]
    return backfill.import_files(connections, mappings, paths, **options)


def count(db: psycopg.Connection, query: str, *args: object) -> int:
    return db.execute(query, args).fetchone()[0]


def test_each_line_becomes_receipts_a_message_and_its_raw_body(db, mappings, tmp_path):
    bodies = [sms_receipt(), sms_receipt(state="undelivered", detail=None, error_code=1)]
    summary = run_import(db, mappings, ndjson(tmp_path / "a.ndjson", *bodies))
    assert (summary.lines, summary.stored, summary.duplicates) == (2, 2, 0)
    assert count(db, "SELECT count(*) FROM receipts") == 2
    assert count(db, "SELECT count(*) FROM messages") == 2
    stored = db.execute("SELECT body, outcome FROM webhook_bodies ORDER BY id").fetchall()
    assert stored == [(orjson.dumps(body), "receipt") for body in bodies]


def test_receipts_the_webhook_already_stored_are_skipped(client, db, mappings, tmp_path):
    known = sms_receipt()
    assert client.post("/webhooks/8x8", content=orjson.dumps(known)).status_code == 200
    summary = run_import(db, mappings, ndjson(tmp_path / "a.ndjson", known, sms_receipt()))
    assert (summary.stored, summary.duplicates) == (1, 1)
    assert count(db, "SELECT count(*) FROM receipts") == 2


def test_importing_the_same_file_twice_adds_nothing(db, mappings, tmp_path):
    path = ndjson(tmp_path / "a.ndjson", *(sms_receipt() for _ in range(5)))
    run_import(db, mappings, path)
    again = run_import(db, mappings, path)
    assert (again.stored, again.duplicates) == (0, 5)
    assert count(db, "SELECT count(*) FROM receipts") == 5
    assert count(db, "SELECT count(*) FROM webhook_bodies") == 5


def test_the_same_receipt_twice_in_one_file_is_stored_once(db, mappings, tmp_path):
    body = sms_receipt()
    summary = run_import(db, mappings, ndjson(tmp_path / "a.ndjson", body, body))
    assert (summary.stored, summary.duplicates) == (1, 1)


def test_unmappable_lines_are_quarantined_and_counted(db, mappings, tmp_path):
    path = ndjson(tmp_path / "a.ndjson", b"{not json", {"namespace": "SMS"}, sms_receipt())
    summary = run_import(db, mappings, path)
    assert summary.quarantined == 2
    rows = db.execute(
        "SELECT body, error_code FROM webhook_bodies WHERE outcome = 'quarantined' ORDER BY id"
    ).fetchall()
    assert rows == [(b"{not json", "invalid_json"), (b'{"namespace":"SMS"}', "no_mapping")]


def test_ignored_bodies_are_kept_as_ignored(db, mappings, tmp_path):
    summary = run_import(db, mappings, ndjson(tmp_path / "a.ndjson", inbound_sms()))
    assert summary.ignored == 1
    assert db.execute("SELECT outcome FROM webhook_bodies").fetchall() == [("ignored",)]


def test_blank_lines_are_skipped(db, mappings, tmp_path):
    path = tmp_path / "a.ndjson"
    path.write_bytes(b"\n" + orjson.dumps(sms_receipt()) + b"\r\n\n   \n")
    summary = run_import(db, mappings, path)
    assert (summary.lines, summary.blank, summary.stored) == (1, 3, 1)


def test_gzip_is_recognized_by_its_magic_bytes(db, mappings, tmp_path):
    path = tmp_path / "receipts.ndjson"  # no .gz suffix
    path.write_bytes(gzip.compress(orjson.dumps(sms_receipt()) + b"\n"))
    assert run_import(db, mappings, path).stored == 1


def test_a_message_status_never_moves_back(client, db, mappings, tmp_path):
    umid = new_umid()
    delivered = sms_receipt(umid, "delivered", timestamp="2026-03-02T08:15:42Z")
    assert client.post("/webhooks/8x8", content=orjson.dumps(delivered)).status_code == 200
    late_sent = sms_receipt(umid, "sent", None, timestamp="2026-03-02T08:15:30Z")
    run_import(db, mappings, ndjson(tmp_path / "a.ndjson", late_sent))
    row = db.execute("SELECT status, receipt_count FROM messages").fetchone()
    assert row == ("delivered", 2)


def test_the_best_receipt_of_a_batch_sets_the_status(db, mappings, tmp_path):
    umid = new_umid()
    path = ndjson(
        tmp_path / "a.ndjson",
        sms_receipt(umid, "delivered", timestamp="2026-03-02T08:15:42Z"),
        sms_receipt(umid, "sent", None, timestamp="2026-03-02T08:15:30Z"),
        sms_receipt(umid, "queued", None, timestamp="2026-03-02T08:15:20Z"),
    )
    run_import(db, mappings, path)
    row = db.execute("SELECT status, first_event_at, final_at IS NOT NULL FROM messages").fetchone()
    assert row[0] == "delivered"
    assert row[1].isoformat() == "2026-03-02T08:15:20+00:00"
    assert row[2] is True


def test_no_forwards_are_queued_unless_asked(db, mappings, tmp_path):
    run_import(db, mappings, ndjson(tmp_path / "a.ndjson", sms_receipt()))
    assert count(db, "SELECT count(*) FROM forwards") == 0


def test_forward_queues_first_final_outcomes_moengage_never_had(client, db, mappings, tmp_path):
    forwarded = sms_receipt()
    assert client.post("/webhooks/8x8", content=orjson.dumps(forwarded)).status_code == 200
    repeat = sms_receipt(forwarded["payload"]["umid"], timestamp="2026-03-02T09:00:00Z")
    new = sms_receipt(state="undelivered", detail=None, error_code=1, error_message="Absent")
    summary = run_import(db, mappings, ndjson(tmp_path / "a.ndjson", repeat, new), forward=True)
    assert summary.forwards == 1
    body = db.execute(
        "SELECT body FROM forwards WHERE message_id = %s", (new["payload"]["umid"],)
    ).fetchone()[0]
    assert (body["status"], body["reason"], body["error_code"]) == ("failed", "Absent", "1")


def test_a_historical_month_gets_its_own_partition(db, mappings, tmp_path):
    body = sms_receipt(timestamp="2019-05-17T10:00:00Z")
    run_import(db, mappings, ndjson(tmp_path / "a.ndjson", body))
    assert count(db, "SELECT count(*) FROM receipts_2019_05") == 1
    assert count(db, "SELECT count(*) FROM receipts_default") == 0


def test_many_batches_add_up(db, mappings, tmp_path):
    path = ndjson(tmp_path / "a.ndjson", *(sms_receipt() for _ in range(25)), b"[]")
    summary = run_import(db, mappings, path, batch_lines=10)
    assert (summary.stored, summary.quarantined) == (25, 1)
    assert count(db, "SELECT count(*) FROM webhook_bodies") == 26


def test_batches_stored_at_once_on_two_connections_add_up(db, migrated, mappings, tmp_path):
    # Each message's receipts fall in different batches, and half the lines come twice: the
    # two storers touch the same messages at the same time, as a real export makes them.
    umids = [new_umid() for _ in range(60)]
    sent = [sms_receipt(u, "sent", None, timestamp="2026-03-02T08:15:30Z") for u in umids]
    delivered = [sms_receipt(u, timestamp="2026-03-02T08:15:42Z") for u in umids]
    path = ndjson(tmp_path / "a.ndjson", *delivered, *sent, *delivered[::2])
    with psycopg.connect(migrated, autocommit=True) as other:
        summary = run_import([db, other], mappings, path, batch_lines=7)
    assert (summary.stored, summary.duplicates) == (120, 30)
    rows = db.execute("SELECT status, receipt_count FROM messages").fetchall()
    assert sorted(set(rows)) == [("delivered", 2)] and len(rows) == 60


def test_cli_prints_one_summary_line(db, config, tmp_path):
    path = ndjson(tmp_path / "a.ndjson.gz", sms_receipt(), b"nope")
    path.write_bytes(gzip.compress(path.read_bytes()))
    result = CliRunner().invoke(main, ["import", str(path)], env=app_environment(config))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("imported 2 lines from 1 file(s): 1 receipts stored,")
    assert "1 quarantined" in result.output


def test_cli_refuses_a_connector_without_mappings_in_one_line(db, config, tmp_path):
    path = ndjson(tmp_path / "a.ndjson", sms_receipt())
    result = CliRunner().invoke(
        main, ["import", "--connector", "nosuch", str(path)], env=app_environment(config)
    )
    assert result.exit_code == 1
    assert result.output == "receipts: --connector: no mapping file for connector 'nosuch'\n"


def test_cli_refuses_a_corrupt_gzip_file_in_one_line(db, config, tmp_path):
    path = tmp_path / "a.ndjson.gz"
    path.write_bytes(gzip.compress(orjson.dumps(sms_receipt()) * 50)[:-20])
    result = CliRunner().invoke(main, ["import", str(path)], env=app_environment(config))
    assert result.exit_code == 1
    assert result.output.startswith(f"receipts: {path}: ")
    assert len(result.output.splitlines()) == 1
