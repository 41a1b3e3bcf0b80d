"""Session-wide real servers: PostgreSQL (embedded unless DATABASE_URL is set) and the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from receipts import create_app
from receipts.config import Config
from receipts.store import migrate
from receipts.store.embedded import scratch_database
from tests.support.credentials import API_TOKEN, OLD_WEBHOOK_SECRET, WEBHOOK_SECRET
from tests.support.forwarders import RunningForwarder, start_forwarder
from tests.support.live_server import LiveServer
from tests.support.moengage_stand_in import MoEngageStandIn
from tests.support.paths import REPO
from tests.support.postgres import EmbeddedPostgres, empty_tables


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL")
    if server_url:
        with scratch_database(server_url, "receipts_test") as url:
            yield url
    else:
        yield EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "pgdata").url


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        migrate.upgrade(conn)
    return database_url


@pytest.fixture(scope="session")
def config(migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Config:
    return Config.from_env(
        {
            "DATABASE_URL": migrated,
            "RECEIPTS_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            "RECEIPTS_MAPPINGS": str(REPO / "mappings"),
            "RECEIPTS_WEBHOOK_SECRET": f"{WEBHOOK_SECRET},{OLD_WEBHOOK_SECRET}",
            "RECEIPTS_API_TOKEN": API_TOKEN,
            "RECEIPTS_LOG_FORMAT": "text",
        }
    )


@pytest.fixture(scope="session")
def live_server(config: Config) -> Iterator[LiveServer]:
    server = LiveServer(create_app(config))
    yield server
    server.close()


@pytest.fixture
def db(migrated: str) -> Iterator[psycopg.Connection]:
    """A connection to the test database, emptied of receipts before the test."""
    with psycopg.connect(migrated, autocommit=True) as conn:
        empty_tables(conn)
        yield conn


@pytest.fixture
def client(live_server: LiveServer, db: psycopg.Connection) -> Iterator[httpx.Client]:
    """HTTP to the live server, authenticated as 8x8 is (the webhook secret)."""
    headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as http:
        yield http


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    """HTTP to the reporting API, with the API token."""
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as http:
        yield http


@pytest.fixture
def config_for(config: Config, tmp_path: Path):
    """The session's configuration with some fields changed, for a test's own app."""

    def make(**changes: object) -> Config:
        return replace(config, **changes)

    return make


@pytest.fixture(scope="session")
def moengage_stand_in() -> Iterator[MoEngageStandIn]:
    stand_in = MoEngageStandIn()
    yield stand_in
    stand_in.close()


@pytest.fixture
def moengage(moengage_stand_in: MoEngageStandIn) -> MoEngageStandIn:
    """MoEngage's delivery tracking on loopback, well-behaved and empty at the start."""
    moengage_stand_in.reset()
    return moengage_stand_in


@pytest.fixture
def forwarders(migrated: str, moengage: MoEngageStandIn, db: psycopg.Connection):
    """Start in-process forwarders to the stand-in (`start(**tuning)`); stopped after the test."""
    running: list[RunningForwarder] = []

    def start(**tuning: Any) -> RunningForwarder:
        running.append(start_forwarder(migrated, moengage.url, **tuning))
        return running[-1]

    yield start
    for forwarder in running:
        forwarder.stop()
