"""`receipts replay --quarantined`: after a mapping fix, quarantined bodies become receipts once."""

from __future__ import annotations

import shutil

import httpx
import orjson
import pytest
from click.testing import CliRunner

from receipts import create_app
from receipts.cli import main
from tests.support.bodies import sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.live_server import LiveServer
from tests.support.paths import REPO


@pytest.fixture
def mappings_without_sms(tmp_path):
    folder = tmp_path / "mappings"
    folder.mkdir()
    shutil.copy(REPO / "mappings" / "8x8-chatapps.toml", folder)
    return folder


@pytest.fixture
def quarantined_sms(db, config_for, mappings_without_sms):
    """Three SMS receipts sent while the deployment had no SMS mapping."""
    server = LiveServer(create_app(config_for(mappings_dir=mappings_without_sms)))
    headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers) as http:
            for _ in range(3):
                response = http.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
                assert response.status_code == 202
    finally:
        server.close()
    return mappings_without_sms


def replay(config, mappings, *args: str):
    env = {"DATABASE_URL": config.database_url, "RECEIPTS_MAPPINGS": str(mappings)}
    return CliRunner().invoke(main, ["replay", "--quarantined", *args], env=env)


def test_replay_after_mapping_fix_makes_each_receipt_exactly_once(config, db, quarantined_sms):
    shutil.copy(REPO / "mappings" / "8x8-sms.toml", quarantined_sms)
    first = replay(config, quarantined_sms)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "3 replayed, 0 still quarantined"
    second = replay(config, quarantined_sms)
    assert second.output.splitlines()[-1] == "0 replayed, 0 still quarantined"
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == 3
    outcomes = db.execute("SELECT outcome, count(*) FROM webhook_bodies GROUP BY 1 ORDER BY 1")
    assert outcomes.fetchall() == [("receipt", 3), ("replayed", 3)]


def test_replay_without_a_fix_leaves_bodies_quarantined(config, db, quarantined_sms):
    result = replay(config, quarantined_sms)
    assert result.output.splitlines()[-1] == "0 replayed, 3 still quarantined"
    assert "no_mapping" in result.output


def test_dry_run_prints_what_would_happen_and_changes_nothing(config, db, quarantined_sms):
    shutil.copy(REPO / "mappings" / "8x8-sms.toml", quarantined_sms)
    result = replay(config, quarantined_sms, "--dry-run")
    lines = result.output.splitlines()
    assert len([line for line in lines if ": would be stored as 1 receipt(s) by " in line]) == 3
    assert not [line for line in lines[:-1] if "would" in line and "still quarantined" in line]
    assert lines[-1] == "3 would be replayed, 0 still quarantined"
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == 0


def test_replay_needs_to_know_what_to_replay(config, quarantined_sms):
    env = {"DATABASE_URL": config.database_url, "RECEIPTS_MAPPINGS": str(quarantined_sms)}
    result = CliRunner().invoke(main, ["replay"], env=env)
    assert result.exit_code != 0


def test_dry_run_says_one_thing_of_a_body_that_still_cannot_be_read(config, db, quarantined_sms):
    result = replay(config, quarantined_sms, "--dry-run")
    body_lines = [line for line in result.output.splitlines() if line.startswith("body ")]
    assert body_lines and all(": still quarantined: " in line for line in body_lines)
    assert not [line for line in body_lines if "would" in line]
