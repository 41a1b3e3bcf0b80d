"""`receipts serve` runs one forwarder beside gunicorn: a receipt in, its outcome at MoEngage."""

from __future__ import annotations

import json
import signal
import subprocess

import httpx
import orjson
import pytest

from tests.support.bodies import new_umid, sms_receipt
from tests.support.paths import REPO
from tests.support.processes import free_port, receipts_command, serve_env
from tests.support.waiting import wait_for


@pytest.mark.slow
def test_serve_forwards_a_receipt_to_moengage(tmp_path, migrated, db, moengage):
    port = free_port()
    env = serve_env(tmp_path / "data", REPO / "mappings")
    env.update(DATABASE_URL=migrated, MOENGAGE_DLR_URL=moengage.url)
    process = subprocess.Popen(
        receipts_command("serve", "--port", str(port), "--workers", "1"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, timeout=60)
        secret = json.loads((tmp_path / "data" / "credentials.json").read_text())["webhook_secret"]
        umid = new_umid()
        response = httpx.post(
            f"{base}/webhooks/8x8?token={secret}", content=orjson.dumps(sms_receipt(umid))
        )
        assert response.status_code == 200
        wait_for(lambda: moengage.accepted_ids() == {umid: 1})
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert process.returncode == 0
