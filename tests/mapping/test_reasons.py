"""One failure-reason vocabulary: 8x8's documented codes, other providers' tables, a mapping's
own [reasons], and the provider's words when no table knows the code."""

from __future__ import annotations

import pytest

from receipts.mapping.catalogue import load_catalogue
from receipts.mapping.compile import compile_mapping
from receipts.mapping.engine import MappingSet
from receipts.mapping.files import parse_mapping
from receipts.mapping.reasons import ReasonReader, read_words
from tests.support.bodies import chatapps_receipt, sms_receipt
from tests.support.paths import REPO

MAPPINGS = MappingSet.from_paths(REPO / "mappings")

# 8x8's SMS delivery-receipt error codes (developer.8x8.com, "SMS Delivery Receipt Error
# Codes"), each with the category a campaign manager would file it under.
SMS_CODES = {
    0: "other", 1: "unreachable", 2: "content_rejected", 3: "provider_error",
    4: "unreachable", 5: "provider_error", 7: "other", 8: "blocked_by_carrier",
    9: "unreachable", 10: "provider_error", 11: "blocked_by_carrier", 12: "unreachable",
    13: "invalid_number", 14: "provider_error", 15: "invalid_number", 16: "content_rejected",
    17: "content_rejected", 18: "provider_error", 19: "account_problem", 20: "provider_error",
    21: "unreachable", 22: "provider_error", 23: "provider_error", 24: "blocked_by_carrier",
    25: "blocked_by_carrier", 26: "blocked_by_carrier", 27: "blocked_by_carrier",
    28: "invalid_number", 29: "unreachable", 30: "provider_error", 31: "blocked_by_carrier",
    32: "unreachable", 33: "provider_error", 34: "blocked_by_carrier", 35: "provider_error",
    36: "expired", 37: "not_on_channel", 38: "content_rejected", 39: "provider_error",
    40: "provider_error", 41: "blocked_by_carrier", 42: "account_problem", 43: "spam_filtered",
    44: "unreachable", 45: "unreachable", 46: "unreachable", 47: "unreachable",
    48: "provider_error", 49: "provider_error", 50: "account_problem", 51: "provider_error",
    52: "provider_error", 53: "provider_error", 54: "other", 55: "invalid_number", 56: "other",
    57: "other", 58: "provider_error", 59: "invalid_number", 60: "content_rejected",
    61: "window_closed",
}  # fmt: skip
# 8x8's Messaging Apps codes ("Messaging Apps Delivery Receipt Error Codes"), where a chat
# channel gives a code another meaning, and WhatsApp's errors as 8x8 numbers them.
CHAT_CODES = {
    1: "not_on_channel", 2: "content_rejected", 9: "not_on_channel", 11: "blocked_by_carrier",
    15: "invalid_number", 23: "provider_error", 25: "blocked_by_carrier", 36: "expired",
    41: "blocked_by_carrier", 42: "account_problem", 43: "spam_filtered", 46: "unreachable",
    57: "other", 61: "window_closed", 1000: "account_problem", 1001: "account_problem",
    1002: "account_problem", 1003: "account_problem", 1004: "account_problem",
    1005: "provider_error", 1006: "account_problem", 1007: "account_problem",
    1022: "window_closed",
}  # fmt: skip
PERMANENT = {"invalid_number", "not_on_channel", "opted_out"}


def failed_sms(code: int, message: str = "see code"):
    body = sms_receipt(state="undelivered", error_code=code, error_message=message)
    return MAPPINGS.map_body("8x8", body).receipts[0]


def failed_chat(code: int, message: str = "see code"):
    body = chatapps_receipt(state="undelivered", error_code=code, error_message=message)
    return MAPPINGS.map_body("8x8", body).receipts[0]


@pytest.mark.parametrize(("code", "category"), SMS_CODES.items())
def test_each_8x8_sms_code_reads_as_its_category(code: int, category: str):
    receipt = failed_sms(code)
    assert (receipt.reason_category, receipt.permanent) == (
        category,
        category in PERMANENT or code == 27,
    )


@pytest.mark.parametrize(("code", "category"), CHAT_CODES.items())
def test_each_8x8_chat_app_code_reads_as_its_category(code: int, category: str):
    receipt = failed_chat(code)
    assert (receipt.reason_category, receipt.permanent) == (category, category in PERMANENT)


def test_an_absent_subscriber_is_unreachable_on_sms_but_not_on_whatsapp():
    assert (failed_sms(1).reason_category, failed_chat(1).reason_category) == (
        "unreachable",
        "not_on_channel",
    )


def test_an_undocumented_code_is_read_from_the_providers_words():
    receipt = failed_chat(1031, "Message window expired")
    assert (receipt.reason_category, receipt.permanent) == ("window_closed", False)


def test_a_code_nothing_explains_is_other():
    assert failed_chat(1044, "Zebra crossing").reason_category == "other"


def test_a_delivered_receipt_has_no_reason():
    receipt = MAPPINGS.map_body("8x8", sms_receipt()).receipts[0]
    assert (receipt.reason_category, receipt.permanent) == (None, None)


def test_another_providers_error_table_is_read_by_its_mapping():
    text = b"""name = "africastalking"
[fields]
message_id = "id"
status = "status"
error_code = "failureReason"
[status]
Failed = "failed"
"""
    mapping = compile_mapping(parse_mapping(text, "africastalking.toml"))
    receipt = mapping.load({"id": "ATX1", "status": "Failed", "failureReason": "UserInBlackList"})
    assert (receipt[0].reason_category, receipt[0].permanent) == ("opted_out", True)


def test_a_mappings_own_reasons_table_overrides_the_catalogue():
    text = b"""name = "8x8-custom"
match = { namespace = "SMS" }
[fields]
message_id = "payload.umid"
status = "payload.status.state"
error_code = "payload.status.errorCode"
[status]
undelivered = "failed"
[reasons]
1 = { category = "opted_out", permanent = true }
"""
    mapping = compile_mapping(parse_mapping(text, "8x8-custom.toml"))
    body = sms_receipt(state="undelivered", error_code=1, error_message="Absent subscriber")
    receipt = mapping.load(body)[0]
    assert (receipt.reason_category, receipt.permanent) == ("opted_out", True)


def test_a_reasons_table_with_an_unknown_category_is_refused():
    from receipts.mapping.files import MappingFileError

    text = b'name = "x"\nauto = true\n[reasons]\n7 = "bad_luck"\n'
    with pytest.raises(MappingFileError, match="reasons"):
        parse_mapping(text, "x.toml")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Invalid destination", "invalid_number"),
        ("Absent subscriber", "unreachable"),
        ("UserInBlackList", "opted_out"),
        ("InsufficientCredit", "account_problem"),
        ("Number Does Not Exists On WhatsApp", "not_on_channel"),
        ("Spam filter", "spam_filtered"),
        ("SMS expired", "expired"),
    ],
)
def test_failure_words_read_as_a_category(text: str, category: str):
    assert read_words(text) == category


def test_every_catalogue_error_entry_reads_back():
    for provider in load_catalogue().providers.values():
        reader = ReasonReader(provider)
        for code, entry in provider.errors.items():
            if ":" not in code:
                assert reader.read((code,), (), "sms").category == entry.category


def test_a_numeric_code_matches_however_many_leading_zeros_it_has():
    smpp = ReasonReader(load_catalogue().providers["smpp"])
    assert smpp.read(("1",), ()).category == smpp.read(("001",), ()).category == "invalid_number"
