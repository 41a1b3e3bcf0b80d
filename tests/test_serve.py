"""`receipts serve` as a user runs it: a real process tree on loopback, embedded PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from receipts.config import environment_without_settings
from tests.bodies import sms_receipt
from tests.processes import free_port
from tests.support import REPO, wait_for


def serve_env(data_dir: Path, mappings: Path) -> dict[str, str]:
    env = environment_without_settings()
    env.update({"RECEIPTS_DATA_DIR": str(data_dir), "RECEIPTS_MAPPINGS": str(mappings)})
    return env


def receipts_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "receipts.cli", *args]


@pytest.mark.slow
def test_serve_accepts_a_receipt_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        receipts_command("serve", "--port", str(port), "--workers", "2"),
        env=serve_env(tmp_path / "data", REPO / "mappings"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, timeout=120)
        credentials = json.loads((tmp_path / "data" / "credentials.json").read_text())
        secret = credentials["webhook_secret"]
        response = httpx.post(
            f"{base}/webhooks/8x8",
            content=orjson.dumps(sms_receipt()),
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 200
        assert response.json() == {"received": 1}
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert f"httpAuthorization: Bearer {secret}" in output
    assert f"/webhooks/8x8?token={secret}" in output
    assert credentials["api_token"] in output
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists()


def test_serve_refuses_a_bad_mapping_file_naming_file_key_and_reason(tmp_path):
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "8x8-sms.toml").write_text(
        'name = "8x8-sms"\n[fields]\nmessage_id = "payload.umid"\nstatus = "payload[x]"\n'
    )
    result = subprocess.run(
        receipts_command("serve", "--port", str(free_port())),
        env=serve_env(tmp_path / "data", mappings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "8x8-sms.toml: fields.status: bad path 'payload[x]'" in lines[0]


def test_bad_environment_value_stops_the_cli_with_one_line(tmp_path):
    env = serve_env(tmp_path / "data", REPO / "mappings")
    env["RECEIPTS_MAX_BODY"] = "big"
    result = subprocess.run(
        receipts_command("db", "upgrade"), env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "receipts: RECEIPTS_MAX_BODY: expected a whole number of bytes, got 'big'"
    )
