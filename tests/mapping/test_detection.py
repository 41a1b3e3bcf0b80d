"""Automatic mapping detection: 8x8's receipt shapes, then other providers' documented ones.

The other providers' bodies are in ``corpus/`` with what detection should find for each in
``corpus/expected.toml``; the 8x8 bodies are built here, in the shapes 8x8 documents.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receipts.mapping.catalogue import CatalogueError, load_catalogue, parse_provider
from receipts.mapping.compile import compile_mapping
from receipts.mapping.detection import (
    DETECTED_FIELDS,
    THRESHOLD,
    DetectedMapping,
    SampleError,
    detect_mapping,
    parse_sample_text,
)
from receipts.mapping.files import parse_mapping
from receipts.mapping.paths import MISSING, PathSyntaxError, compile_path, iter_leaves
from receipts.mapping.status import STATUSES
from receipts.mapping.values import status_word
from receipts.mapping.vocabularies import load_vocabularies

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "expected.toml").read_text("utf-8"))


@cache
def corpus_bodies(provider: str) -> tuple[Any, ...]:
    files = sorted((CORPUS / provider).iterdir())
    return tuple(body for file in files for body in parse_sample_text(file.read_text("utf-8")))


@cache
def detected(provider: str) -> DetectedMapping:
    """Detection by the general rules alone: the provider's catalogue entry is left out."""
    return detect_mapping(corpus_bodies(provider), catalogue=load_catalogue().without(provider))


def accepted(provider: str, table: str, field: str) -> list[str]:
    paths = EXPECTED[provider].get(table, {}).get(field, [])
    return [paths] if isinstance(paths, str) else list(paths)


def path_of(mapping: DetectedMapping, field: str) -> str | None:
    guess = mapping.fields.get(field)
    return guess.path if guess else None


# --- 8x8 bodies, in the shapes of 8x8's SMS and chat-app delivery receipts --------------------


def sms_receipt(umid: str, state: str, timestamp: str, **payload: Any) -> dict[str, Any]:
    status = {"state": state, "timestamp": timestamp}
    for key in ("detail", "errorCode", "errorMessage"):
        if key in payload:
            status[key] = payload.pop(key)
    return {
        "namespace": "SMS",
        "eventType": "outbound_message_status_changed",
        "description": "SMS outbound message delivery receipt",
        "payload": {
            "umid": umid,
            "clientMessageId": payload.pop("clientMessageId", "otp-1"),
            "subAccountId": "Shop_Alerts",
            "source": payload.pop("source", "SHOPCO"),
            "destination": payload.pop("destination", "+6591230001"),
            "status": status,
            **payload,
        },
    }


def chat_receipt(umid: str, state: str, timestamp: str, msisdn: str, **payload: Any) -> dict:
    status = {"state": state, "timestamp": timestamp}
    for key in ("detail", "errorCode", "errorMessage"):
        if key in payload:
            status[key] = payload.pop(key)
    version = payload.pop("version", None)
    body = {
        "namespace": "ChatApps",
        "eventType": "outbound_message_status_changed",
        "description": "ChatApps outbound message delivery receipt",
        "payload": {
            "umid": umid,
            "clientMessageId": f"wa-{umid[:4]}",
            "subAccountId": "Shop_WA",
            "channel": "whatsapp",
            "user": {"msisdn": msisdn, "channelUserId": msisdn.lstrip("+")},
            "status": status,
            **payload,
        },
    }
    return {"version": version, **body} if version else body


SMS_DELIVERED = sms_receipt(
    "1c9e2a40-7b1d-4f3e-9a2c-5d6e7f801a11",
    "delivered",
    "2026-04-01T10:00:03.51Z",
    detail="delivered_to_recipient",
    price={"total": 0.0213, "perSms": 0.0213, "currency": "EUR"},
    smsCount=1,
)
SMS_SAMPLES = (
    sms_receipt(
        "1c9e2a40-7b1d-4f3e-9a2c-5d6e7f801a11",
        "delivered",
        "2026-04-01T10:00:01.02Z",
        detail="delivered_to_operator",
        smsCount=1,
    ),
    SMS_DELIVERED,
    sms_receipt(
        "2d0f3b51-8c2e-4a4f-8b3d-6e7f80912b22",
        "rejected",
        "2026-04-01T11:00:00Z",
        errorCode=43,
        errorMessage="Spam filter",
        clientMessageId="otp-2",
        destination="+6598760002",
    ),
    sms_receipt(
        "3e1a4c62-9d3f-4b5a-9c4e-7f8091a23c33",
        "undelivered",
        "2026-04-01T12:30:05.0612345Z",
        detail="rejected_by_operator",
        errorCode=15,
        errorMessage="Invalid destination",
        clientMessageId="promo-3",
        destination="+12025550104",
        source="8x8",
        batchId="4f2b5d73-ae40-4c6b-8d5f-8091a2b34d44",
        clientBatchId="spring-sale",
        price={"total": 0.0375, "perSms": 0.0125, "currency": "USD"},
        smsCount=3,
    ),
)
CHAT_UNDELIVERED = chat_receipt(
    "6b4d7f95-c062-4e8d-8f71-a2b3c4d56f66",
    "undelivered",
    "2026-04-01T13:05:10.11Z",
    "+6591110002",
    detail="rejected_by_operator",
    errorCode=15,
    errorMessage="Invalid destination",
    whatsapp={"providerErrorCode": "131026"},
)
CHAT_SAMPLES = (
    chat_receipt(
        "5a3c6e84-bf51-4d7c-9e60-91a2b3c45e55", "read", "2026-04-01T13:00:44.90Z", "+6591110001"
    ),
    CHAT_UNDELIVERED,
    chat_receipt(
        "7c5e80a6-d173-4f9e-a082-b3c4d5e67077",
        "delivered",
        "2026-04-01T13:10:00.00Z",
        "+6591110003",
        detail="delivered_to_recipient",
        version=9,
        whatsapp={"pricingCategory": "utility"},
    ),
)


@cache
def detected_8x8_sms() -> DetectedMapping:
    return detect_mapping(SMS_SAMPLES, catalogue=load_catalogue().without("8x8"))


@cache
def detected_8x8_chat() -> DetectedMapping:
    return detect_mapping(CHAT_SAMPLES, catalogue=load_catalogue().without("8x8"))


# --- 8x8 ---------------------------------------------------------------------------------------


def test_detects_8x8_umid_as_message_id() -> None:
    assert path_of(detected_8x8_sms(), "message_id") == "payload.umid"


def test_detects_8x8_client_message_id() -> None:
    assert path_of(detected_8x8_sms(), "client_message_id") == "payload.clientMessageId"


def test_detects_8x8_status_state() -> None:
    assert path_of(detected_8x8_sms(), "status") == "payload.status.state"


def test_detects_8x8_status_detail() -> None:
    assert path_of(detected_8x8_sms(), "detail") == "payload.status.detail"


def test_detects_8x8_status_timestamp_as_event_at() -> None:
    assert path_of(detected_8x8_sms(), "event_at") == "payload.status.timestamp"


def test_detects_8x8_destination_as_recipient() -> None:
    assert path_of(detected_8x8_sms(), "recipient") == "payload.destination"


def test_detects_8x8_source_as_sender() -> None:
    assert path_of(detected_8x8_sms(), "sender") == "payload.source"


def test_detects_8x8_error_code_inside_status() -> None:
    assert path_of(detected_8x8_sms(), "error_code") == "payload.status.errorCode"


def test_detects_8x8_error_message_inside_status() -> None:
    assert path_of(detected_8x8_sms(), "error_message") == "payload.status.errorMessage"


def test_detects_8x8_price_total_not_per_sms() -> None:
    assert path_of(detected_8x8_sms(), "price") == "payload.price.total"


def test_detects_8x8_price_currency() -> None:
    assert path_of(detected_8x8_sms(), "currency") == "payload.price.currency"


def test_detects_8x8_sms_count_as_segments() -> None:
    assert path_of(detected_8x8_sms(), "segments") == "payload.smsCount"


def test_detects_8x8_batch_id_as_the_batch_not_the_message() -> None:
    mapping = detected_8x8_sms()
    paths = {name: guess.path for name, guess in mapping.fields.items()}
    assert (paths["message_id"], paths.get("batch_id")) == ("payload.umid", "payload.batchId")


def test_detects_8x8_chat_user_msisdn_as_recipient() -> None:
    assert path_of(detected_8x8_chat(), "recipient") == "payload.user.msisdn"


def test_detects_8x8_chat_channel() -> None:
    assert path_of(detected_8x8_chat(), "channel") == "payload.channel"


def test_prefers_8x8_status_error_code_to_the_whatsapp_one() -> None:
    mapping = detected_8x8_chat()
    assert path_of(mapping, "error_code") == "payload.status.errorCode"
    assert mapping.fields["error_code"].runner_up == "payload.whatsapp.providerErrorCode"


def test_maps_8x8_states_in_the_status_table() -> None:
    assert detected_8x8_sms().status_table == {
        "delivered": "delivered",
        "rejected": "failed",
        "undelivered": "failed",
    }


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("message_id", "payload.umid"),
        ("status", "payload.status.state"),
        ("event_at", "payload.status.timestamp"),
        ("recipient", "payload.destination"),
        ("price", "payload.price.total"),
    ],
)
def test_detects_8x8_fields_from_a_single_sample(field: str, path: str) -> None:
    assert path_of(detect_mapping([SMS_DELIVERED]), field) == path


def test_detects_8x8_error_code_from_a_single_chat_sample() -> None:
    assert path_of(detect_mapping([CHAT_UNDELIVERED]), "error_code") == "payload.status.errorCode"


# --- other providers, by name ------------------------------------------------------------------


def test_detects_twilio_message_sid() -> None:
    assert path_of(detected("twilio"), "message_id") in ("MessageSid", "SmsSid")


def test_detects_twilio_raw_dlr_done_date_as_event_at() -> None:
    assert path_of(detected("twilio"), "event_at") == "RawDlrDoneDate"


def test_detects_twilio_error_code_present_only_on_failures() -> None:
    assert path_of(detected("twilio"), "error_code") == "ErrorCode"


def test_reads_twilio_sms_status_and_message_status_as_one_field() -> None:
    mapping = detected("twilio")
    chosen = {guess.path for guess in mapping.fields.values()}
    assert len(chosen & {"SmsStatus", "MessageStatus"}) == 1


def test_detects_vonage_msisdn_as_recipient() -> None:
    assert path_of(detected("vonage"), "recipient") == "msisdn"


def test_detects_vonage_err_code() -> None:
    assert path_of(detected("vonage"), "error_code") == "err-code"


def test_detects_infobip_results_list_as_each() -> None:
    assert detected("infobip").each == "results[]"


def test_detects_infobip_status_group_name_as_status_and_name_as_detail() -> None:
    mapping = detected("infobip")
    assert (path_of(mapping, "status"), path_of(mapping, "detail")) == (
        "status.groupName",
        "status.name",
    )


def test_detects_sinch_batch_id_as_message_id() -> None:
    assert path_of(detected("sinch"), "message_id") == "batch_id"


def test_detects_telnyx_message_id_not_the_event_id() -> None:
    assert path_of(detected("telnyx"), "message_id") == "data.payload.id"


def test_detects_telnyx_recipient_inside_its_to_list() -> None:
    assert path_of(detected("telnyx"), "recipient") == "data.payload.to[0].phone_number"


def test_detects_telnyx_error_code_in_its_errors_list() -> None:
    assert path_of(detected("telnyx"), "error_code") == "data.payload.errors[0].code"


def test_detects_plivo_message_uuid() -> None:
    assert path_of(detected("plivo"), "message_id") == "MessageUUID"


def test_detects_plivo_delivery_report_time_over_creation_times() -> None:
    assert path_of(detected("plivo"), "event_at") == "DeliveryReportTime"


def test_detects_plivo_total_amount_over_rate() -> None:
    assert path_of(detected("plivo"), "price") == "TotalAmount"


def test_detects_messagebird_status_datetime() -> None:
    assert path_of(detected("messagebird"), "event_at") == "statusDatetime"


def test_detects_kaleyra_status_trace_as_detail() -> None:
    assert path_of(detected("kaleyra"), "detail") == "status_trace"


def test_detects_gupshup_epoch_milliseconds_as_event_at() -> None:
    assert path_of(detected("gupshup"), "event_at") == "deliveredTS"


def test_detects_bandwidth_array_items_without_each() -> None:
    mapping = detected("bandwidth")
    assert (mapping.each, path_of(mapping, "status")) == ("", "type")


def test_detects_smpp_stat_and_done_date() -> None:
    mapping = detected("smpp")
    assert (path_of(mapping, "status"), path_of(mapping, "event_at")) == ("stat", "done date")


def test_detects_whatsapp_cloud_statuses_as_each() -> None:
    assert detected("whatsapp-cloud").each == "entry[0].changes[0].value.statuses[]"


# --- the whole corpus --------------------------------------------------------------------------

KNOWN_MISSES = {
    # Vonage names its receipts' sender `to`; every other provider means the recipient.
    ("vonage", "sender"),
    # Alibaba's `out_id` and SMSAPI's `idx` name the sender's own id in no words a rule reads.
    ("aliyun", "client_message_id"),
    ("smsapi", "client_message_id"),
    ("brevo", "client_message_id"),  # `tag`
    # Chat apps name the recipient by the channel's user id, not a phone number.
    ("viber", "recipient"),
    # Providers added after the rules were written, whose names no general rule reads yet
    # (their catalogue entries do): bench/detection.py counts these misses.
    ("huawei-cloud", "client_message_id"),
    ("nifteem", "batch_id"),
    ("salesforce-mc", "message_id"),
    ("salesforce-mc", "error_code"),
    ("webex-interact", "message_id"),
    ("d7networks", "batch_id"),
    ("sendmode", "client_message_id"),
    ("bics", "client_message_id"),
}
# ... and the providers whose bodies also lead the general rules to map a field that is not
# there, to misread a status value, or to miss the id or status from one sample alone.
EXTRA_FIELDS = {"huawei-cloud", "zenvio"}
MISREAD_VALUES = {"huawei-cloud", "unifonic", "toplusmsapi", "z-api", "geniq"}
SINGLE_SAMPLE_MISSES = {
    "toplusmsapi",
    "prelude",
    "salesforce-mc",
    "webex-interact",
    "sendmode",
}
# Status values the general rules cannot read: numeric codes with no words beside them
# (LOX24's dlr_code), words two providers read differently (AWS's SUCCESSFUL is accepted by
# the carrier, Gupshup's SUCCESS is delivered). The provider's catalogue entry reads them.
UNREADABLE = {
    ("lox24", "1"),
    ("lox24", "8"),
    ("lox24", "16"),
    ("aws-eum", "SUCCESSFUL"),
    ("pinpoint", "SUCCESSFUL"),
    # Textlocal's P (pending at the network) reads, by its initial, as pending before sending.
    ("textlocal", "P"),
    # Exotel's `sent` means delivered to the handset; everywhere else it means handed over.
    ("exotel", "sent"),
}


@pytest.mark.parametrize(
    ("provider", "field"),
    [
        pytest.param(
            provider,
            field,
            id=f"{provider}-{field}",
            marks=[pytest.mark.xfail(strict=True)] if (provider, field) in KNOWN_MISSES else [],
        )
        for provider, spec in EXPECTED.items()
        for field in spec["fields"]
    ],
)
def test_detects_the_documented_path(provider: str, field: str) -> None:
    assert path_of(detected(provider), field) in accepted(provider, "fields", field)


@pytest.mark.parametrize(
    "provider",
    [
        pytest.param(p, marks=[pytest.mark.xfail(strict=True)] if p in EXTRA_FIELDS else [])
        for p in EXPECTED
    ],
)
def test_leaves_fields_the_provider_lacks_unmapped(provider: str) -> None:
    unexpected = {
        field: guess.path
        for field, guess in detected(provider).fields.items()
        if field not in EXPECTED[provider]["fields"]
        and guess.path not in accepted(provider, "optional", field)
    }
    assert unexpected == {}


@pytest.mark.parametrize("provider", list(EXPECTED))
def test_detects_each(provider: str) -> None:
    assert detected(provider).each == EXPECTED[provider]["each"]


@pytest.mark.parametrize(
    "provider",
    [
        pytest.param(p, marks=[pytest.mark.xfail(strict=True)] if p in MISREAD_VALUES else [])
        for p in EXPECTED
    ],
)
def test_maps_the_providers_status_words(provider: str) -> None:
    table = detected(provider).status_table
    expected = EXPECTED[provider]["status"]
    wrong = {
        word: table.get(word)
        for word, status in expected.items()
        if table.get(word) != status and (provider, word) not in UNREADABLE
    }
    assert wrong == {}


@pytest.mark.parametrize(
    "provider",
    [
        pytest.param(p, marks=[pytest.mark.xfail(strict=True)] if p in SINGLE_SAMPLE_MISSES else [])
        for p in EXPECTED
    ],
)
def test_detects_message_id_and_status_from_each_single_sample(provider: str) -> None:
    found = {
        (path_of(mapping, "message_id"), path_of(mapping, "status"))
        for mapping in (
            detect_mapping([body], catalogue=load_catalogue().without(provider))
            for body in corpus_bodies(provider)
        )
    }
    allowed = {
        (message_id, status)
        for message_id in accepted(provider, "fields", "message_id")
        for status in accepted(provider, "fields", "status")
    }
    assert found <= allowed


# --- status vocabularies -----------------------------------------------------------------------


def test_vocabularies_map_only_to_normalized_statuses() -> None:
    tables = load_vocabularies().tables
    assert {status for table in tables.values() for status in table.values()} <= set(STATUSES)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("DELIVRD", "delivered"),
        ("UNDELIV", "failed"),
        ("EXPIRED", "failed"),
        ("REJECTD", "failed"),
        ("ACCEPTD", "sent"),
        ("ENROUTE", "sent"),
        ("UNKNOWN", "unknown"),
        ("DELETED", "failed"),
    ],
)
def test_vocabularies_read_smpp_stat_words(word: str, status: str) -> None:
    assert load_vocabularies().normalize(word) == status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("delivered_to_operator", "delivered"),
        ("delivered_to_recipient", "delivered"),
        ("rejected_by_operator", "failed"),
        ("undelivered_to_recipient", "failed"),
    ],
)
def test_vocabularies_read_8x8_details(word: str, status: str) -> None:
    assert load_vocabularies().normalize(word, prefer="8x8") == status


def test_vocabulary_lookup_ignores_case() -> None:
    assert load_vocabularies().normalize("Delivrd") == "delivered"


def test_reads_a_shared_word_as_the_provider_that_knows_the_other_words() -> None:
    twilio_like = [
        {"MessageSid": f"SM{i:032x}", "MessageStatus": s}
        for i, s in enumerate(["accepted", "sending", "undelivered"])
    ]
    vonage_like = [
        {"messageId": f"0B{i:014X}", "status": s}
        for i, s in enumerate(["accepted", "buffered", "expired"])
    ]
    twilio, vonage = detect_mapping(twilio_like), detect_mapping(vonage_like)
    assert (twilio.status_table["accepted"], vonage.status_table["accepted"]) == ("queued", "sent")


def test_maps_an_unknown_status_word_to_unknown_and_lists_it() -> None:
    samples = [
        {"messageId": "3f1c9a52-0d4e-4b7f-8a6c-2e5d7f9b1c30", "status": "delivered"},
        {"messageId": "8a2e4c61-7b3d-4f5e-9c1a-0b2d4e6f8a91", "status": "teleported"},
    ]
    mapping = detect_mapping(samples)
    assert (mapping.status_table["teleported"], mapping.unknown_words) == (
        "unknown",
        ("teleported",),
    )


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("TEXT_DELIVERED", "delivered"),
        ("_SMS.SUCCESS", "delivered"),
        ("message-failed", "failed"),
        ("permanent-failure", "failed"),
        ("NOT-SENT", "failed"),
        ("DeliveredToHandset", "delivered"),
        ("delivery_unconfirmed", "sent"),
        ("DELIVERED | Message delivered to handset", "delivered"),
    ],
)
def test_reads_a_status_word_no_provider_table_holds_by_its_stems(word: str, status: str):
    samples = [
        {"messageId": "3f1c9a52-0d4e-4b7f-8a6c-2e5d7f9b1c30", "status": "delivered"},
        {"messageId": "8a2e4c61-7b3d-4f5e-9c1a-0b2d4e6f8a91", "status": word},
    ]
    mapping = detect_mapping(
        samples, catalogue=load_catalogue().without(*load_catalogue().providers)
    )
    assert mapping.status_table[status_word(word)] == status


def test_vocabulary_reading_covers_every_word_preferring_the_provider() -> None:
    reading = load_vocabularies().reading(prefer="twilio")
    assert (reading["accepted"], reading["buffered"], reading["delivrd"]) == (
        "queued",
        "sent",
        "delivered",
    )


def test_catalogue_file_rejects_a_status_that_is_not_normalized() -> None:
    with pytest.raises(CatalogueError, match=r"acme.toml: status\.gone"):
        parse_provider("acme", 'name = "Acme"\n[status]\ngone = "vanished"\n', "acme.toml")


# --- detection rules ---------------------------------------------------------------------------


UNNAMED_ID = [{"status": "delivered", "token": "0b7a3c52-5f1e-4c8e-9a7d-2f6c1e8b4d10"}]


def test_leaves_an_id_under_an_unknown_name_unmapped() -> None:
    assert "message_id" not in detect_mapping(UNNAMED_ID).fields


def test_lists_a_field_below_the_threshold_among_candidates() -> None:
    guess = detect_mapping(UNNAMED_ID).candidates["message_id"]
    assert (guess.path, guess.confidence < THRESHOLD) == ("token", True)


def test_gives_each_path_to_one_field_only() -> None:
    for mapping in [detected_8x8_sms(), detected_8x8_chat(), *map(detected, EXPECTED)]:
        paths = [guess.path for guess in mapping.fields.values()]
        assert len(paths) == len(set(paths))


def test_reports_the_runner_up_and_its_confidence() -> None:
    guess = detected_8x8_sms().fields["price"]
    assert (guess.runner_up, guess.runner_up_confidence < guess.confidence) == (
        "payload.price.perSms",
        True,
    )


def test_confidences_are_between_zero_and_one() -> None:
    mapping = detected_8x8_sms()
    assert all(0 <= guess.confidence <= 1 for guess in mapping.candidates.values())


def test_detects_nothing_from_no_samples() -> None:
    mapping = detect_mapping([])
    assert (mapping.fields, mapping.status_table, mapping.sample_count) == ({}, {}, 0)


# --- freezing a detected mapping into a file ---------------------------------------------------


def test_to_toml_parses_and_its_field_paths_compile() -> None:
    document = tomllib.loads(detected("telnyx").to_toml("telnyx-auto"))
    for path in document["fields"].values():
        compile_path(path)


def test_to_toml_is_a_mapping_file_the_service_accepts() -> None:
    text = detected_8x8_sms().to_toml("8x8-detected", channel="sms")
    spec = parse_mapping(text.encode(), "8x8-detected.toml")
    assert (spec.name, spec.channel, spec.fields["message_id"]) == (
        "8x8-detected",
        "sms",
        "payload.umid",
    )


def test_frozen_mapping_maps_the_samples_it_came_from() -> None:
    text = detected("infobip").to_toml("infobip-auto")
    mapping = compile_mapping(parse_mapping(text.encode(), "infobip-auto.toml"))
    receipts = [r for body in corpus_bodies("infobip") for r in mapping.load(body)]
    assert [r.status for r in receipts] == ["delivered", "delivered", "failed", "failed"]


def test_to_toml_comments_confidence_and_runner_up() -> None:
    text = detected_8x8_sms().to_toml("x")
    line = next(line for line in text.splitlines() if line.startswith("price = "))
    assert re.search(r"  # confidence 0\.\d\d, runner-up payload\.price\.perSms \(0\.\d\d\)$", line)


def test_to_toml_lists_unmapped_fields_as_comments() -> None:
    lines = detected("smpp").to_toml("smpp-auto").splitlines()
    assert any(line.startswith("# price: not detected") for line in lines)


def test_to_toml_writes_the_status_table() -> None:
    document = tomllib.loads(detected("smpp").to_toml("smpp-auto"))
    assert document["status"]["DELIVRD"] == "delivered"


def test_to_toml_escapes_awkward_keys_and_words() -> None:
    samples = [
        {'msg"id\\': "0b7a3c52-5f1e-4c8e-9a7d-2f6c1e8b4d10", "status": "delivered"},
        {'msg"id\\': "8a2e4c61-7b3d-4f5e-9c1a-0b2d4e6f8a91", "status": 'deliv"ered\n'},
    ]
    document = tomllib.loads(detect_mapping(samples).to_toml('name "quoted"'))
    status = {word: document["status"][word] for word in ("delivered", 'deliv"ered\n')}
    assert (document["name"], document["fields"]["message_id"], status) == (
        'name "quoted"',
        'msg"id\\',
        {"delivered": "delivered", 'deliv"ered\n': "delivered"},
    )


def test_to_dict_is_plain_json() -> None:
    data = json.loads(json.dumps(detected("sinch").to_dict()))
    assert data["fields"]["message_id"]["path"] == "batch_id"


# --- sample files --------------------------------------------------------------------------------


def test_parses_a_json_sample() -> None:
    assert parse_sample_text('{"umid": "x", "status": {"state": "sent"}}') == [
        {"umid": "x", "status": {"state": "sent"}}
    ]


def test_parses_a_top_level_array_as_one_body() -> None:
    assert parse_sample_text('[{"type": "message-delivered"}]') == [[{"type": "message-delivered"}]]


def test_parses_ndjson_samples() -> None:
    assert parse_sample_text('{"a": 1}\n\n{"a": 2}\n') == [{"a": 1}, {"a": 2}]


def test_parses_a_form_encoded_sample() -> None:
    assert parse_sample_text("MessageSid=SM1&To=%2B15550100&ErrorCode=") == [
        {"MessageSid": "SM1", "To": "+15550100", "ErrorCode": ""}
    ]


def test_parses_a_query_string_copied_with_its_url() -> None:
    assert parse_sample_text("https://example.com/dlr?id=7&status=delivered") == [
        {"id": "7", "status": "delivered"}
    ]


def test_rejects_a_sample_that_is_neither_json_nor_form() -> None:
    with pytest.raises(SampleError):
        parse_sample_text("delivered, probably")


def test_parses_an_empty_file_as_no_samples() -> None:
    assert parse_sample_text("  \n") == []


# --- properties ----------------------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "status",
        "state",
        "id",
        "messageId",
        "to",
        "from",
        "timestamp",
        "errorCode",
        "price",
        "currency",
        "results",
        "payload",
        "a.b",
        "x[0]",
        " ",
        "",
        "done date",
        'q"\\',
    ]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "delivered",
            "DELIVRD",
            "+6591234567",
            "2026-03-02T08:15:40Z",
            "2603020816",
            "0.0213",
            "0b7a3c52-5f1e-4c8e-9a7d-2f6c1e8b4d10",
            "EUR",
            "sms",
            "1772439343000",
            "Spam filter",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(JSON, max_size=6))
def test_detect_mapping_never_raises_on_json(samples: list[Any]) -> None:
    mapping = detect_mapping(samples)
    assert set(mapping.fields) <= set(DETECTED_FIELDS)


@settings(max_examples=100, deadline=None)
@given(st.lists(JSON, min_size=1, max_size=4))
def test_to_toml_always_parses_and_its_paths_compile(samples: list[Any]) -> None:
    document = tomllib.loads(detect_mapping(samples).to_toml("auto"))
    for path in document.get("fields", {}).values():
        compile_path(path)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab0.[] ", max_size=12) | st.text(max_size=12), JSON)
def test_compiled_path_get_never_raises_on_json(text: str, body: Any) -> None:
    try:
        path = compile_path(text)
    except PathSyntaxError:
        return
    for part in path.split_each() if path.has_each else (path,):
        part.get(body)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_every_leaf_path_reads_back_its_value(body: Any) -> None:
    for text, value in iter_leaves(body):
        try:
            path = compile_path(text)
        except PathSyntaxError:
            continue
        found = path.get(body)
        assert (
            found is value
            or found == value
            or (isinstance(value, float) and math.isnan(value) and found is not MISSING)
        )


def test_prefers_a_status_every_receipt_carries_to_one_only_failures_carry() -> None:
    samples = [
        {"uid": "tx_1a2b3c4d5e6f7a8b", "type": "message.created"},
        {"uid": "tx_2a2b3c4d5e6f7a8b", "type": "message.delivered"},
        {"uid": "tx_3a2b3c4d5e6f7a8b", "type": "message.failed", "payload": {"status": "failed"}},
    ]
    no_catalogue = load_catalogue().without(*load_catalogue().providers)
    assert path_of(detect_mapping(samples, catalogue=no_catalogue), "status") == "type"


def test_reads_a_reason_word_under_a_reason_key_as_the_error_code() -> None:
    samples = [
        {"messageId": "3f1c9a52-0d4e-4b7f-8a6c-2e5d7f9b1c30", "status": "delivered"},
        {
            "messageId": "8a2e4c61-7b3d-4f5e-9c1a-0b2d4e6f8a91",
            "status": "failed",
            "reason": "unknown_recipient",
        },
    ]
    assert path_of(detect_mapping(samples), "error_code") == "reason"
