"""A compiled mapping's direct read gives exactly what its marshmallow schema's load gives."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from receipts.mapping.engine import MappingSet
from tests.support.bodies import chatapps_receipt, sms_receipt
from tests.support.paths import REPO

MAPPINGS = MappingSet.from_paths(REPO / "mappings")
BY_NAME = {mapping.spec.name: mapping for mapping in MAPPINGS.mappings}

BODIES = [
    ("8x8-sms", sms_receipt(price=0.0213)),
    (
        "8x8-sms",
        sms_receipt(
            state="undelivered",
            detail="undelivered_to_recipient",
            error_code=1,
            error_message="Absent subscriber",
        ),
    ),
    ("8x8-sms", sms_receipt(state="rejected", detail=None, destination="6591234567")),
    ("8x8-chatapps", chatapps_receipt(channel="whatsApp", provider_error_code="131009")),
]


@pytest.mark.parametrize(("name", "body"), BODIES)
def test_read_equals_load(name, body):
    schema = BY_NAME[name].schema
    assert schema.read(body) == schema.load(body)


@pytest.mark.parametrize(
    "broken",
    [
        {"payload": {"status": {"state": "sent"}}},
        {"payload": {"umid": "x", "status": {"state": ["sent"]}}},
        {"payload": {"umid": "x", "status": {"state": "sent", "timestamp": "soon"}}},
    ],
)
def test_read_refuses_what_load_refuses(broken):
    schema = BY_NAME["8x8-sms"].schema
    with pytest.raises(ValidationError) as by_load:
        schema.load(broken)
    with pytest.raises(ValidationError) as by_read:
        schema.read(broken)
    assert set(by_read.value.messages) == set(by_load.value.messages)


def acme_mapping(status_path: str, table: str) -> object:
    from receipts.mapping.compile import compile_mapping
    from receipts.mapping.files import parse_mapping

    text = f'name = "acme"\n[fields]\nmessage_id = "id"\nstatus = "{status_path}"\n'
    text += 'event_at = "at"\n[status]\n' + table
    return compile_mapping(parse_mapping(text.encode(), "acme.toml"))


def test_a_status_written_as_word_and_text_maps_by_its_word():
    mapping = acme_mapping("state", 'DELIVERED = "delivered"\n')
    receipt = mapping.load({"id": "m1", "state": "DELIVERED | Message delivered to handset"})[0]
    assert (receipt.status, receipt.provider_status) == (
        "delivered",
        "DELIVERED | Message delivered to handset",
    )


def test_a_success_flag_maps_as_a_status():
    mapping = acme_mapping("success", 'true = "delivered"\nfalse = "failed"\n')
    assert [mapping.load({"id": "m1", "success": flag})[0].status for flag in (True, False)] == [
        "delivered",
        "failed",
    ]


def test_a_time_without_a_zone_is_read_as_utc():
    mapping = acme_mapping("state", 'DELIVRD = "delivered"\n')
    receipt = mapping.load({"id": "m1", "state": "DELIVRD", "at": "2026-11-24 08:30:01"})[0]
    assert receipt.event_at.isoformat() == "2026-11-24T08:30:01+00:00"
