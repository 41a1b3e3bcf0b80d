"""`receipts serve` as a user runs it: a real process tree on loopback, embedded PostgreSQL."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from receipts.config import environment_without_settings
from tests.support.bodies import sms_receipt
from tests.support.paths import REPO
from tests.support.processes import free_port, receipts_command, serve_env
from tests.support.waiting import wait_for


def start_serve(tmp_path: Path, port: int, workers: int) -> subprocess.Popen:
    """`receipts serve` on a fresh data dir, its output (stdout and stderr) to read after."""
    return subprocess.Popen(
        receipts_command("serve", "--port", str(port), "--workers", str(workers)),
        env=serve_env(tmp_path / "data", REPO / "mappings"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_serve_accepts_a_receipt_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    process = start_serve(tmp_path, port, workers=2)
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
    booting = [line for line in output.splitlines() if "Booting worker" in line]
    assert booting and all(json.loads(line)["logger"] == "gunicorn.error" for line in booting)
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


def children_of(pid: int) -> dict[str, int]:
    """serve's children by role (gunicorn, forwarder, rollup), read from /proc."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            role = (
                "gunicorn"
                if "gunicorn" in cmdline
                else "rollup"
                if "rollup" in cmdline
                else ("forwarder" if " forward" in cmdline else None)
            )
            if role:
                found[role] = int(child)
    return found


@pytest.mark.slow
def test_serve_restarts_a_child_killed_with_sigkill(tmp_path):
    port = free_port()
    process = start_serve(tmp_path, port, workers=1)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, timeout=120)
        first = wait_for(lambda: len(children_of(process.pid)) == 3 and children_of(process.pid))
        for role in ("gunicorn", "forwarder", "rollup"):
            subprocess.run(["kill", "-9", str(first[role])], check=True)
            again = wait_for(
                lambda role=role: (
                    children_of(process.pid).get(role, first[role]) != first[role]
                    and children_of(process.pid)
                ),
                timeout=60,
            )
            assert again[role] != first[role]
        wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, timeout=60)
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    for role in ("gunicorn", "forwarder", "rollup"):
        assert re.search(rf"receipts: {role} exited \(code -9\); restarting in \d+ s", output)


def test_a_child_that_keeps_dying_at_start_stops_serve(capsys):
    from receipts.serve import supervise

    dying = [sys.executable, "-c", "import sys; sys.exit(3)"]
    code = supervise([("forwarder", dying)], env=environment_without_settings(), backoff=(0.01,))
    assert code == 1
    assert "forwarder keeps dying at start (exit code 3); stopping" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_refuses_a_port_in_use_in_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            receipts_command("serve", "--port", str(port)),
            env=serve_env(tmp_path / "data", REPO / "mappings"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip().endswith("the port is in use; choose another with --port")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "httpAuthorization" not in result.stdout


def test_the_banner_shows_the_dashboard_and_says_when_it_listens_everywhere():
    from receipts.config import Config
    from receipts.serve import Endpoint, registration_text

    config = Config.from_env({"RECEIPTS_WEBHOOK_SECRET": "s" * 20, "RECEIPTS_API_TOKEN": "t" * 20})
    text = registration_text(config, Endpoint("0.0.0.0", 8000), embedded=True)  # noqa: S104
    assert "listens on every interface, port 8000" in text
    assert "Dashboard: http://127.0.0.1:8000/" in text
