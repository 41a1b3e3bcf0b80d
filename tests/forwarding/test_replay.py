"""`receipts replay --dead`: dead forwards go out again once MoEngage is fixed."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from receipts.cli import main
from receipts.forwarding.backoff import RetryPolicy
from tests.support.bodies import new_umid, sms_receipt
from tests.support.waiting import wait_for


@pytest.fixture
def receipts_cli(config):
    env = {
        "DATABASE_URL": config.database_url,
        "RECEIPTS_DATA_DIR": str(config.data_dir),
        "MOENGAGE_DLR_URL": "",
    }

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


def kill_three(client, db, moengage, forwarders) -> set[str]:
    moengage.behave(status=500)
    umids = {new_umid() for _ in range(3)}
    for umid in umids:
        client.post("/webhooks/8x8", content=orjson.dumps(sms_receipt(umid)))
    forwarders(policy=RetryPolicy(base=0.001, max_delay=0.01, max_attempts=2))
    wait_for(
        lambda: db.execute("SELECT count(*) FROM forwards WHERE state = 'dead'").fetchone()[0] == 3
    )
    return umids


def test_replay_sends_dead_forwards_once_moengage_is_back(
    client, db, moengage, forwarders, receipts_cli
):
    umids = kill_three(client, db, moengage, forwarders)
    moengage.behave(status=200)
    result = receipts_cli("replay", "--dead")
    assert result.exit_code == 0
    assert result.output == "re-queued 3 dead forwards; the forwarder sends them now\n"
    wait_for(lambda: set(moengage.accepted_ids()) == umids)
    wait_for(
        lambda: db.execute("SELECT count(*) FROM forwards WHERE state = 'done'").fetchone()[0] == 3
    )


def test_replay_dry_run_lists_each_dead_forward_and_requeues_nothing(
    client, db, moengage, forwarders, receipts_cli
):
    umids = kill_three(client, db, moengage, forwarders)
    result = receipts_cli("replay", "--dead", "--dry-run", "--since", "1h")
    lines = result.output.splitlines()
    assert result.exit_code == 0
    assert len(lines) == 4
    assert {line.split("message ")[1].split(" ")[0] for line in lines[:3]} == umids
    assert all("after 2 attempts (last: 500" in line for line in lines[:3])
    assert lines[3] == "3 dead forwards would be re-queued (dry run)"
    assert db.execute("SELECT count(*) FROM forwards WHERE state = 'dead'").fetchone()[0] == 3


def test_replay_since_leaves_older_dead_forwards(client, db, moengage, forwarders, receipts_cli):
    kill_three(client, db, moengage, forwarders)
    db.execute("UPDATE forwards SET dead_at = '2026-01-01T00:00:00Z' WHERE id = 1")
    result = receipts_cli("replay", "--dead", "--since", "2026-02-01")
    assert result.output.startswith("re-queued 2 dead forwards")


def test_replay_needs_one_of_dead_or_quarantined():
    result = CliRunner().invoke(main, ["replay"])
    assert result.exit_code == 2
    assert "give one of --quarantined or --dead" in result.output
