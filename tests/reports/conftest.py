"""The report tests' fixtures: an emptied rollup, and a campaign with known figures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.support.campaign import Campaign, send_campaign
from tests.support.postgres import empty_rollup


@pytest.fixture
def reports_db(db: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """The emptied database, with the rollup emptied too (the `db` fixture leaves it)."""
    empty_rollup(db)
    yield db


@pytest.fixture
def campaign(client: httpx.Client, reports_db: psycopg.Connection) -> Campaign:
    """The campaign of tests/support/campaign.py, sent through the webhook."""
    return send_campaign(client)
