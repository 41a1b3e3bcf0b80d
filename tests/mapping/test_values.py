"""Value conversions: times with 0 to 7 fractional digits, E.164, case-insensitive UUIDs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from receipts.mapping.values import normalize_message_id, parse_time, to_e164


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T10:00:00Z", datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)),
        ("2026-03-02T08:15:40.02Z", datetime(2026, 3, 2, 8, 15, 40, 20000, tzinfo=UTC)),
        ("2026-03-02T09:01:12.5030893Z", datetime(2026, 3, 2, 9, 1, 12, 503089, tzinfo=UTC)),
        ("2026-03-02T15:30:00.5+05:30", datetime(2026, 3, 2, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-03-02T10:00:00", datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)),
    ],
)
def test_iso_times_parse_to_utc(text, expected):
    assert parse_time(text) == expected


def test_epoch_seconds_and_milliseconds_parse():
    assert parse_time(1772438400) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert parse_time("1772438400000") == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_smpp_done_dates_parse():
    assert parse_time("2603020816") == datetime(2026, 3, 2, 8, 16, tzinfo=UTC)
    assert parse_time("260302081642") == datetime(2026, 3, 2, 8, 16, 42, tzinfo=UTC)


def test_epoch_string_of_this_era_is_not_read_as_smpp():
    assert parse_time("1803020816") == datetime(2027, 2, 19, 7, 6, 56, tzinfo=UTC)


def test_nonsense_time_is_an_error():
    with pytest.raises(ValueError):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+6591234567", "+6591234567"),
        ("6591234567", "+6591234567"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("ACME", "ACME"),
    ],
)
def test_recipients_become_e164_where_they_parse(raw, expected):
    assert to_e164(raw) == expected


def test_uuid_ids_are_lower_cased_and_others_kept():
    assert normalize_message_id("0B7A3C52-5F1E-4C8E-9A7D-2F6C1E8B4D10") == (
        "0b7a3c52-5f1e-4c8e-9a7d-2f6c1e8b4d10"
    )
    assert normalize_message_id("SM1234ABCD") == "SM1234ABCD"
