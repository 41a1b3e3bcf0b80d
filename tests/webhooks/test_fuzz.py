"""Fuzzing the webhook parser and the mapping engine with the shipped mappings (hypothesis).

Whatever bytes arrive, the only way out other than receipts is `Unmappable` (a quarantine);
and whatever the engine accepts, PostgreSQL accepts too (no 500 from a value that maps but
cannot be stored).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receipts.intake.bodies import parse_body
from receipts.mapping.compile import Unmappable
from receipts.mapping.engine import MappingSet
from receipts.store import ingest
from tests.support.bodies import chatapps_receipt, inbound_sms, sms_receipt
from tests.support.paths import REPO
from tests.support.strategies import json_values, scalars

CONTENT_TYPES = (
    None,
    "application/json",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

MAPPED_PATHS = (
    ("namespace",),
    ("eventType",),
    ("payload",),
    ("payload", "umid"),
    ("payload", "status"),
    ("payload", "status", "state"),
    ("payload", "status", "detail"),
    ("payload", "status", "timestamp"),
    ("payload", "status", "errorCode"),
    ("payload", "status", "errorMessage"),
    ("payload", "destination"),
    ("payload", "source"),
    ("payload", "price"),
    ("payload", "price", "total"),
    ("payload", "price", "currency"),
    ("payload", "smsCount"),
    ("payload", "channel"),
    ("payload", "user", "msisdn"),
    ("payload", "whatsapp", "providerErrorCode"),
    ("payload", "clientMessageId"),
    ("payload", "batchId"),
)


@pytest.fixture(scope="module")
def mappings() -> MappingSet:
    return MappingSet.from_paths(REPO / "mappings")


def map_or_quarantine(mappings: MappingSet, raw: bytes, content_type: str | None) -> Any:
    """What intake does before storing: parse then map; Unmappable is the accepted failure."""
    try:
        return mappings.map_body("8x8", parse_body(raw, content_type))
    except Unmappable as error:
        assert error.code and error.detail
        return None


def with_value(body: dict, path: tuple[str, ...], value: Any) -> dict:
    changed = copy.deepcopy(body)
    node = changed
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return changed


def documented_bodies() -> st.SearchStrategy[dict]:
    return st.sampled_from(
        (
            sms_receipt(),
            sms_receipt(state="undelivered", error_code=15, error_message="Invalid", price=0.05),
            chatapps_receipt(),
            chatapps_receipt(state="undelivered", error_code=15, provider_error_code="131009"),
            inbound_sms(),
        )
    )


@SETTINGS
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_any_bytes_are_mapped_or_quarantined(mappings, raw, content_type):
    map_or_quarantine(mappings, raw, content_type)


@SETTINGS
@given(body=json_values)
def test_any_json_is_mapped_or_quarantined(mappings, body):
    map_or_quarantine(mappings, orjson.dumps(body), "application/json")


@SETTINGS
@given(body=json_values)
def test_any_form_body_is_mapped_or_quarantined(mappings, body):
    fields = body if isinstance(body, dict) else {"payload": body}
    raw = "&".join(f"{key}={value}" for key, value in fields.items()).encode(
        "utf-8", "surrogatepass"
    )
    map_or_quarantine(mappings, raw, "application/x-www-form-urlencoded")


@SETTINGS
@given(
    body=documented_bodies(),
    changes=st.lists(st.tuples(st.sampled_from(MAPPED_PATHS), json_values), max_size=3),
)
def test_documented_bodies_with_any_field_changed_are_mapped_or_quarantined(
    mappings, body, changes
):
    for path, value in changes:
        body = with_value(body, path, value)
    map_or_quarantine(mappings, orjson.dumps(body), "application/json")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    body=documented_bodies(),
    changes=st.lists(st.tuples(st.sampled_from(MAPPED_PATHS), scalars), min_size=1, max_size=3),
)
def test_whatever_maps_is_accepted_by_postgresql(migrated, mappings, body, changes):
    for path, value in changes:
        body = with_value(body, path, value)
    raw = orjson.dumps(body)
    mapped = map_or_quarantine(mappings, raw, "application/json")
    if mapped is None or mapped.ignored:
        return
    with psycopg.connect(migrated) as conn:  # not autocommit: rolled back, nothing kept
        ingest.ingest_body(
            conn, "8x8", "application/json", raw, mapped.mapping, mapped.receipts, "final"
        )
        conn.rollback()
