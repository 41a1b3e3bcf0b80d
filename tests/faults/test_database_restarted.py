"""PostgreSQL stopped and started under load: 503 meanwhile, then recovery without a restart.

Only a PostgreSQL this test starts itself is stopped; the session's (or the machine's) never is.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest

from receipts import create_app
from receipts.store import migrate
from tests.faults.load import (
    Load,
    assert_each_receipt_stored_exactly_once,
    assert_every_acknowledged_receipt_is_stored,
)
from tests.support.live_server import LiveServer
from tests.support.postgres import EmbeddedPostgres

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.fixture
def own_postgres(tmp_path) -> EmbeddedPostgres:
    postgres = EmbeddedPostgres(tmp_path / "pgdata")
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        migrate.upgrade(conn)
    return postgres


@pytest.fixture
def server(own_postgres, config_for) -> Iterator[LiveServer]:
    live = LiveServer(create_app(config_for(database_url=own_postgres.url)))
    yield live
    live.close()


def readiness(server: LiveServer) -> int:
    return httpx.get(f"{server.url}/readyz", timeout=10).status_code


def test_database_restart_under_load_answers_503_then_recovers_losing_nothing(
    own_postgres, server, record_property
):
    with Load(server.url) as load:
        load.wait_until(lambda load: load.count(200) >= 100)
        own_postgres.stop()
        load.wait_until(lambda load: load.count(503) >= 8)
        assert readiness(server) == 503
        before_restart = load.count(200)

        own_postgres.start()
        load.wait_until(lambda load: load.count(200) >= before_restart + 100)
        assert readiness(server) == 200
    record_property("answers", dict(load.statuses()))

    assert set(load.statuses()) <= {200, 503}, load.statuses()
    with psycopg.connect(own_postgres.url, autocommit=True) as conn:
        assert_every_acknowledged_receipt_is_stored(conn, load)
        load.retry_unacknowledged(server.url)
        assert_each_receipt_stored_exactly_once(conn, load)


def test_readiness_error_while_the_database_is_down_is_json(own_postgres, server):
    own_postgres.stop()
    try:
        response = httpx.get(f"{server.url}/readyz", timeout=10)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
    finally:
        own_postgres.start()
