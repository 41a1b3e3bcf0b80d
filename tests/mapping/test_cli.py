"""`receipts mappings check | detect | try`: the integrator's tools."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import orjson
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from receipts.cli import main
from tests.support.bodies import sms_receipt
from tests.support.paths import REPO
from tests.support.strategies import json_values

# 8x8 receipts with one value replaced by anything JSON can hold.
mutated_receipts = st.builds(
    lambda key, value: sms_receipt() | {"payload": sms_receipt()["payload"] | {key: value}},
    st.sampled_from(["umid", "status", "destination", "price", "smsCount", "source"]),
    json_values,
)


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


def try_json(tmp_path, body) -> dict:
    sample = tmp_path / "sample.json"
    sample.write_bytes(orjson.dumps(body))
    result = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample), "--json")
    assert result.exit_code == 0, result.output
    return orjson.loads(result.output)[0]["receipts"][0]


def test_try_json_gives_a_price_as_exact_decimal_text(tmp_path):
    receipt = try_json(tmp_path, sms_receipt(price=0.0375))
    assert receipt["price"] == "0.0375"


def test_try_json_gives_the_event_time_in_utc(tmp_path):
    receipt = try_json(tmp_path, sms_receipt(timestamp="2026-03-02T16:15:42.31+08:00"))
    assert receipt["event_at"] == "2026-03-02T08:15:42.310000Z"


def test_try_json_gives_whole_numbers_and_flags_as_json(tmp_path):
    receipt = try_json(tmp_path, sms_receipt())
    assert receipt["segments"] == 1
    assert receipt["final"] is True


def test_try_json_gives_texts_as_strings(tmp_path):
    receipt = try_json(tmp_path, sms_receipt(state="undelivered", error_code=15, error_message="x"))
    assert receipt["error_code"] == "15"
    assert receipt["recipient"] == "+6591234567"


def test_try_prints_values_not_python_reprs(tmp_path):
    sample = tmp_path / "inbound.json"
    sample.write_bytes(orjson.dumps(sms_receipt(price=0.0375) | {"eventType": "other"}))
    result = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample))
    assert 'does not match namespace = "SMS", eventType = "outbound_message_status_changed"' in (
        result.output
    )
    sample.write_bytes(orjson.dumps(sms_receipt(price=0.0375)))
    result = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample))
    assert "  price: 0.0375\n" in result.output
    assert "  event_at: 2026-03-02T08:15:42.310000Z\n" in result.output
    assert "Decimal(" not in result.output and "datetime." not in result.output


def test_try_warns_of_statuses_the_table_does_not_know(tmp_path):
    sample = tmp_path / "odd.json"
    sample.write_bytes(orjson.dumps(sms_receipt(state="teleported", detail=None)))
    result = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample))
    assert "status: unknown" in result.output
    assert "warning: not in the [status] table, stored as unknown: teleported" in result.output
    as_json = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample), "--json")
    assert orjson.loads(as_json.output)[0]["unknown_statuses"] == ["teleported"]


def exits_cleanly(result) -> bool:
    """Exit 0, or a one-line refusal: never a traceback."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return False
    return result.exit_code == 0 or len(result.output.strip().splitlines()) == 1


@given(body=st.one_of(json_values, mutated_receipts), as_form=st.booleans())
@settings(max_examples=150, deadline=None, derandomize=True)
def test_mappings_commands_never_crash_on_a_body_the_webhook_accepts(body, as_form):
    with tempfile.TemporaryDirectory() as folder:
        if as_form and isinstance(body, dict):
            sample = Path(folder) / "sample.form"
            sample.write_text(urlencode({str(k): str(v) for k, v in body.items()}))
        else:
            sample = Path(folder) / "sample.json"
            sample.write_bytes(orjson.dumps(body))
        detected = run("mappings", "detect", str(sample))
        assert exits_cleanly(detected), detected.output
        mappings = [REPO / "mappings" / "8x8-sms.toml", REPO / "mappings" / "8x8-chatapps.toml"]
        if detected.exit_code == 0:
            saved = Path(folder) / "detected.toml"
            saved.write_text(detected.output)
            checked = run("mappings", "check", str(saved))
            assert checked.exit_code == 0, checked.output
            mappings.append(saved)
        for mapping in mappings:
            for extra in ((), ("--json",)):
                tried = run("mappings", "try", str(mapping), str(sample), *extra)
                assert exits_cleanly(tried), tried.output


def write(folder, name: str, body) -> str:
    path = folder / name
    path.write_bytes(orjson.dumps(body))
    return str(path)


def test_detect_refuses_samples_that_hold_no_receipt(tmp_path):
    inbound = {
        "namespace": "SMS",
        "eventType": "inbound_message_received",
        "payload": {"umid": "0b7a3c52-5f1e-4c8e-9a7d-2f6c1e8b4d10", "source": "+6591234567"},
    }
    result = run("mappings", "detect", write(tmp_path, "inbound.json", inbound))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "no delivery receipt in the samples" in result.output


def test_detect_writes_a_match_on_the_kind_of_body(tmp_path):
    result = run("mappings", "detect", write(tmp_path, "dlr.json", sms_receipt()))
    mapping = tomllib.loads(result.output)
    assert mapping["match"] == {"namespace": "SMS", "eventType": "outbound_message_status_changed"}


def test_detect_gives_a_recognized_providers_whole_status_table(tmp_path):
    result = run("mappings", "detect", write(tmp_path, "delivered.json", sms_receipt()))
    mapping = tomllib.loads(result.output)
    assert "Recognized as 8x8" in result.output
    assert (mapping["status"]["undelivered"], mapping["status"]["rejected"]) == ("failed", "failed")
    assert mapping["fields"]["error_code"] == "payload.status.errorCode"


def acme(number: int, outcome: str, reason: str | None = None) -> dict:
    body = {
        "token": f"a9f3c2e1-55b0-4c1d-9e8f-{number:012d}",
        "outcome": outcome,
        "to": "+6591234567",
        "at": f"2026-11-24 08:30:{number:02d}",
    }
    return body | ({"failureReason": reason} if reason else {})


def test_detect_learns_the_status_table_from_labelled_samples(tmp_path):
    delivered = write(tmp_path, "a.json", acme(1, "K1"))
    failed = [write(tmp_path, f"{n}.json", acme(n, f"X{n}", "NO_ROUTE")) for n in (2, 3)]
    result = run("mappings", "detect", "--as", "delivered", delivered, "--as", "failed", *failed)
    assert result.exit_code == 0, result.output
    mapping = tomllib.loads(result.output)
    assert mapping["fields"]["status"] == "outcome"
    assert mapping["status"] == {"K1": "delivered", "X2": "failed", "X3": "failed"}


def test_detect_chooses_an_unnamed_id_by_shape_and_uniqueness(tmp_path):
    samples = [write(tmp_path, f"{n}.json", acme(n, "DELIVERED")) for n in (1, 2)]
    mapping = tomllib.loads(run("mappings", "detect", *samples).output)
    assert mapping["fields"]["message_id"] == "token"


def test_detect_refuses_a_label_that_is_not_a_status(tmp_path):
    result = run("mappings", "detect", "--as", "great", write(tmp_path, "a.json", acme(1, "ok")))
    assert result.exit_code == 2
    assert "--as takes a status" in result.output


def test_detect_says_times_without_a_zone_are_read_as_utc(tmp_path):
    samples = [write(tmp_path, f"{n}.json", acme(n, "DELIVERED")) for n in (1, 2)]
    result = run("mappings", "detect", *samples)
    assert 'event_at = "at"' in result.output
    assert "times without a zone are read as UTC" in result.output


def test_detect_takes_a_reason_word_as_the_error_code(tmp_path):
    samples = [
        write(tmp_path, "1.json", acme(1, "DELIVERED")),
        write(tmp_path, "2.json", acme(2, "FAILED", "InsufficientBalance")),
        write(tmp_path, "3.json", acme(3, "FAILED", "UserInBlacklist")),
    ]
    mapping = tomllib.loads(run("mappings", "detect", *samples).output)
    assert mapping["fields"]["error_code"] == "failureReason"


def test_try_lists_failure_codes_no_table_explains(tmp_path):
    sample = tmp_path / "odd.json"
    body = sms_receipt(state="undelivered", detail=None)
    body["payload"]["status"] |= {"errorCode": 9999, "errorMessage": "Zebra crossing"}
    sample.write_bytes(orjson.dumps(body))
    result = run("mappings", "try", str(REPO / "mappings" / "8x8-sms.toml"), str(sample))
    assert "reason_category: other" in result.output
    assert "warning: failure reason not known, stored as other: 9999" in result.output


def test_detect_names_the_recognized_provider_so_its_error_codes_are_read(tmp_path):
    result = run("mappings", "detect", "--name", "acme", write(tmp_path, "d.json", sms_receipt()))
    assert tomllib.loads(result.output)["provider"] == "8x8"
