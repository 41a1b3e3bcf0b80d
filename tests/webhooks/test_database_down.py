"""With PostgreSQL gone the webhook answers 503 (8x8 retries), and recovers on its own."""

from __future__ import annotations

import httpx
import orjson
import psycopg
import pytest

from receipts import create_app
from receipts.store import migrate
from tests.support.bodies import sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.live_server import LiveServer
from tests.support.postgres import EmbeddedPostgres
from tests.support.waiting import wait_for


@pytest.fixture
def own_postgres(tmp_path):
    """A server of this test's own: the session's (or the machine's) is never stopped."""
    postgres = EmbeddedPostgres(tmp_path / "pgdata")
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        migrate.upgrade(conn)
    return postgres


def test_database_down_answers_503_then_recovers_without_restart(own_postgres, config_for):
    server = LiveServer(create_app(config_for(database_url=own_postgres.url)))
    headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
            assert (
                http.post("/webhooks/8x8", content=orjson.dumps(sms_receipt())).status_code == 200
            )

            own_postgres.stop()
            down = http.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()))
            assert down.status_code == 503
            assert down.json()["error"]["code"] == "database_unavailable"
            assert http.get("/readyz").status_code == 503

            own_postgres.start()
            body = sms_receipt()

            def accepted() -> bool:
                return http.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200

            wait_for(accepted, timeout=30)
            assert http.get("/readyz").status_code == 200
        with psycopg.connect(own_postgres.url) as conn:
            assert conn.execute("SELECT count(*) FROM receipts").fetchone()[0] == 2
    finally:
        server.close()
