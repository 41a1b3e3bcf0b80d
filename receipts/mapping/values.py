"""Marshmallow fields that turn a provider's raw values into normalized ones.

Providers disagree on types (8x8 sends `errorCode` as a number, others as a string; times come
as ISO 8601 with 0 to 7 fractional digits or as epoch seconds), so each field accepts the
reasonable spellings and rejects the rest with a message that names what was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from marshmallow import ValidationError, fields

MAX_TEXT = 2048
MAX_ID = 256
_PRICE_PLACES = 12

_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_DIGITS = re.compile(r"^\+?[\d\s().-]{7,20}$")
# Epoch values above this are milliseconds (it is 2286-11-20 in seconds).
_EPOCH_MS_FROM = 10_000_000_000


def normalize_message_id(value: str) -> str:
    """UUID-shaped ids match case-insensitively (SPEC), so they are stored lower-case."""
    return value.lower() if _UUID.match(value) else value


def to_e164(value: str) -> str:
    """E.164 where the number parses (with or without its `+`); otherwise as given."""
    if _E164.match(value):
        return value
    if not _DIGITS.match(value):
        return value
    digits = re.sub(r"[^\d]", "", value)
    try:
        number = phonenumbers.parse("+" + digits.removeprefix("00"), None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_time(value: Any) -> datetime:
    """ISO 8601 (any fraction, `Z` or offset; naive means UTC) or epoch seconds/milliseconds."""
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        seconds = float(value)
        if seconds >= _EPOCH_MS_FROM:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("not a time")
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Text(fields.Field):
    """A scalar as text: numbers become their decimal spelling, blanks become missing."""

    def __init__(self, max_length: int = MAX_TEXT, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError("expected text or a number")
        text = value.strip() if isinstance(value, str) else str(value)
        if len(text) > self.max_length:
            raise ValidationError(f"longer than {self.max_length} characters")
        if "\x00" in text:
            raise ValidationError("contains a NUL character")
        return text or None


class MessageId(Text):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_ID, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return None if text is None else normalize_message_id(text)


class Lower(Text):
    """Text compared without case: channel names (8x8 spells `whatsApp` once), currencies."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return None if text is None else text.lower()


class Currency(Text):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=8, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return None if text is None else text.upper()


class Phone(Text):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=64, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return None if text is None else to_e164(text)


class EventTime(fields.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        try:
            parsed = parse_time(value)
        except (ValueError, OverflowError, OSError):
            raise ValidationError(f"not an ISO 8601 or epoch time: {str(value)[:40]!r}") from None
        if not 1970 <= parsed.year <= 9998:
            raise ValidationError("time out of range")
        return parsed


class Price(fields.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if (
            isinstance(value, bool)
            or not isinstance(value, str | int | float)
            or len(str(value)) > 32
        ):
            raise ValidationError("expected a number")
        try:
            price = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError("expected a number") from None
        if not price.is_finite() or abs(price) >= 10**12:
            raise ValidationError("expected a finite number below 10^12")
        if price.as_tuple().exponent < -_PRICE_PLACES:  # "1e-99999" overflows PostgreSQL
            price = price.quantize(Decimal(1).scaleb(-_PRICE_PLACES))
        return price


class Segments(fields.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip() if isinstance(value, str | int) else ""
        if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or int(text) > 10_000:
            raise ValidationError("expected a whole number of segments")
        return int(text)


class ProviderStatus(Text):
    """The provider's status word, kept raw; the normalized one comes from the status table."""

    def __init__(self, table: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(max_length=MAX_ID, required=True, **kwargs)
        self.table = {key.lower(): value for key, value in table.items()}

    def normalize(self, provider_status: str) -> str:
        return self.table.get(provider_status.lower(), "unknown")
