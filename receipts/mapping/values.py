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

from receipts.mapping.recognizers import E164, UUID, smpp_time
from receipts.mapping.status import Status

MAX_TEXT = 2048
MAX_ID = 256
_PRICE_PLACES = 12

_DIGITS = re.compile(r"^\+?[\d\s().-]{7,20}$")
# Epoch values above this are milliseconds (it is 2286-11-20 in seconds).
_EPOCH_MS_FROM = 10_000_000_000
_PLAUSIBLE_EPOCH_YEARS = (2000, 2040)


def normalize_message_id(value: str) -> str:
    """UUID-shaped ids match whatever their case (a provider may echo an 8x8 umid in upper
    case), so they are stored lower-case."""
    return value.lower() if UUID.fullmatch(value) else value


def to_e164(value: str) -> str:
    """E.164 where the number parses (with or without its `+`); otherwise as given."""
    if E164.fullmatch(value):
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


def _epoch(value: float) -> datetime:
    seconds = value / 1000 if value >= _EPOCH_MS_FROM else value
    return datetime.fromtimestamp(seconds, UTC)


def parse_time(value: Any) -> datetime:
    """ISO 8601 (any fraction, `Z` or offset; naive means UTC), epoch seconds/milliseconds, or
    an SMPP date string. A digit string is epoch while that reads as 2000-2039, else SMPP."""
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float):
        return _epoch(float(value))
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("not a time")
    if value.isdigit():
        epoch = _epoch(float(value))
        if _PLAUSIBLE_EPOCH_YEARS[0] <= epoch.year < _PLAUSIBLE_EPOCH_YEARS[1]:
            return epoch
        return smpp_time(value) or epoch
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def status_word(value: str) -> str:
    """The status in ``"DELIVERED | Message delivered to handset"``: the word before the bar."""
    head, bar, _ = value.partition("|")
    return head.strip() if bar and head.strip() else value


class Converter(fields.Field):
    """A field whose conversion a compiled mapping calls directly, skipping marshmallow's
    per-field bookkeeping on the hot path; `Schema.load` gives the same result."""

    def convert(self, value: Any) -> Any:
        return self._deserialize(value, None, None)


class Text(Converter):
    """A scalar as text: numbers become their decimal spelling, blanks become missing."""

    def __init__(self, max_length: int = MAX_TEXT, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        kind = type(value)  # exact types: bool is not a number here
        if kind is str:
            text = value.strip()
        elif kind is int or kind is float:
            text = str(value)
        else:
            raise ValidationError("expected text or a number")
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


class EventTime(Converter):
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


class Price(Converter):
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


class Segments(Converter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip() if isinstance(value, str | int) else ""
        if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or int(text) > 10_000:
            raise ValidationError("expected a whole number of segments")
        return int(text)


class ProviderStatus(Text):
    """The provider's status value, kept raw; the normalized one comes from the status table.
    A flag (``"success": true``) reads as the text ``true``; ``"WORD | text"`` looks up WORD."""

    def __init__(self, table: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(max_length=MAX_ID, required=True, **kwargs)
        self.table = {key.lower(): Status(value) for key, value in table.items()}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if type(value) is bool:
            return "true" if value else "false"
        return super()._deserialize(value, attr, data, **kwargs)

    def normalize(self, provider_status: str) -> Status:
        lowered = provider_status.lower()
        found = self.table.get(lowered)
        if found is None and "|" in lowered:
            found = self.table.get(status_word(lowered))
        return found or Status.UNKNOWN
