"""`receipts mappings check | detect | try`: the integrator's tools."""

from __future__ import annotations

import tomllib
from urllib.parse import urlencode

import orjson
from click.testing import CliRunner

from receipts.cli import main
from tests.support import REPO


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def write_twilio_samples(folder) -> list[str]:
    paths = []
    for number, status in enumerate(["sent", "delivered", "undelivered"]):
        sid = f"SM{number:032x}"
        form = {
            "MessageSid": sid,
            "MessageStatus": status,
            "To": "+15017122661",
            "From": "+15557770100",
        }
        path = folder / f"{status}.form"
        path.write_text(urlencode(form))
        paths.append(str(path))
    return paths


def test_check_lists_the_shipped_mappings():
    result = run("mappings", "check", str(REPO / "mappings"))
    assert result.exit_code == 0
    assert "ok 8x8-sms@" in result.output


def test_check_names_file_key_and_reason(tmp_path):
    bad = tmp_path / "acme.toml"
    bad.write_text('[fields]\nmessage_id = "id"\nstatus = "s"\n[status]\nok = "fine"\n')
    result = run("mappings", "check", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: status.ok: not a normalized status" in result.output


def test_detect_prints_a_mapping_file_with_confidences(tmp_path):
    result = run("mappings", "detect", "--name", "twilio", *write_twilio_samples(tmp_path))
    assert result.exit_code == 0, result.output
    mapping = tomllib.loads(result.output)
    assert mapping["fields"]["message_id"] == "MessageSid"
    assert mapping["fields"]["status"] == "MessageStatus"
    assert mapping["status"]["undelivered"] == "failed"
    assert "# confidence" in result.output


def test_detected_mapping_can_be_saved_and_tried(tmp_path):
    samples = write_twilio_samples(tmp_path)
    saved = tmp_path / "twilio.toml"
    saved.write_text(run("mappings", "detect", "--name", "twilio", *samples).output)
    result = run("mappings", "try", str(saved), *samples, "--json")
    assert result.exit_code == 0, result.output
    trials = orjson.loads(result.output)
    assert [t["receipts"][0]["status"] for t in trials] == ["sent", "delivered", "failed"]
    assert "error_code" in trials[0]["empty"]


def test_try_says_when_a_sample_does_not_match(tmp_path):
    sample = tmp_path / "inbound.json"
    sample.write_bytes(orjson.dumps({"namespace": "SMS", "eventType": "inbound_message_received"}))
    result = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample))
    assert "does not match" in result.output


def test_detect_refuses_a_sample_it_cannot_read(tmp_path):
    sample = tmp_path / "binary.bin"
    sample.write_bytes(b"\x00\x01 not & = a form")
    result = run("mappings", "detect", str(sample))
    assert result.exit_code != 0
