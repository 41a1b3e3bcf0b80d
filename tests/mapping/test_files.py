"""Mapping files: a mistake is reported as file, key and reason."""

from __future__ import annotations

import pytest

from receipts.mapping.engine import MappingSet
from receipts.mapping.files import MappingFileError, load_mapping_files, parse_mapping
from tests.support.paths import REPO

GOOD = b"""
name = "acme-sms"
channel = "sms"
match = { kind = ["dlr", "receipt"] }
[fields]
message_id = "id"
status = "state"
[status]
DELIVRD = "delivered"
"""


def error_of(text: bytes) -> MappingFileError:
    with pytest.raises(MappingFileError) as caught:
        parse_mapping(text, "acme.toml")
    return caught.value


def test_shipped_mappings_load():
    names = [spec.name for spec in load_mapping_files([REPO / "mappings"])]
    assert {"8x8-sms", "8x8-chatapps", "8x8-inbound"} <= set(names)


def test_good_file_parses_with_a_version():
    spec = parse_mapping(GOOD, "acme.toml")
    assert spec.match == {"kind": ("dlr", "receipt")}
    assert spec.label.startswith("acme-sms@") and len(spec.version) == 12


def test_syntax_error_names_file_and_line():
    error = error_of(b"name = \n")
    assert (error.file, error.key) == ("acme.toml", "(syntax)")
    assert "line 1" in error.reason


def test_bad_path_names_the_field():
    error = error_of(GOOD.replace(b'"state"', b'"status..state"'))
    assert error.key == "fields.status"
    assert "bad path" in error.reason


def test_unknown_normalized_field_is_refused():
    error = error_of(GOOD.replace(b'status = "state"', b'status = "state"\ncolour = "c"'))
    assert error.key == "fields.colour"
    assert "not a normalized field" in error.reason


def test_unknown_status_word_target_is_refused():
    error = error_of(GOOD.replace(b'DELIVRD = "delivered"', b'DELIVRD = "arrived"'))
    assert error.key == "status.DELIVRD"
    assert "not a normalized status" in error.reason


def test_missing_required_field_is_named():
    error = error_of(GOOD.replace(b'message_id = "id"\n', b""))
    assert error.key == "fields.message_id"
    assert "required" in error.reason


def test_unknown_top_level_key_is_refused():
    error = error_of(GOOD.replace(b'channel = "sms"', b'chanel = "sms"'))
    assert error.key == "chanel"


def test_ignore_mapping_needs_no_fields():
    spec = parse_mapping(b'name = "x-inbound"\nmatch = { type = "mo" }\nignore = true\n', "x.toml")
    assert spec.ignore


def test_each_must_name_a_list():
    error = error_of(GOOD.replace(b'channel = "sms"', b'each = "results"'))
    assert error.key == "each"


def test_duplicate_names_are_refused(tmp_path):
    (tmp_path / "a.toml").write_bytes(GOOD)
    (tmp_path / "b.toml").write_bytes(GOOD)
    with pytest.raises(MappingFileError) as caught:
        load_mapping_files([tmp_path])
    assert caught.value.key == "name"


def test_batched_body_makes_a_receipt_per_item():
    spec = parse_mapping(
        b'name = "bulk"\neach = "results[]"\n[fields]\nmessage_id = "id"\nstatus = "s"\n'
        b'[status]\nok = "delivered"\n',
        "bulk.toml",
    )
    mapped = MappingSet([spec]).map_body(
        "bulk", {"results": [{"id": "a", "s": "ok"}, {"id": "b", "s": "x"}]}
    )
    assert [(r.message_id, r.status) for r in mapped.receipts] == [
        ("a", "delivered"),
        ("b", "unknown"),
    ]


def test_status_words_match_without_case():
    mapped = MappingSet([parse_mapping(GOOD, "acme.toml")]).map_body(
        "acme", {"kind": "dlr", "id": "1", "state": "delivrd"}
    )
    assert mapped.receipts[0].status == "delivered"
