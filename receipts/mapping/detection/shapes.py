"""Value shapes: how much a value looks like each field's values (ids, times, phone numbers,
codes, amounts, currencies). The patterns shared with the mapping engine live in
``receipts.mapping.recognizers``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from receipts.mapping.detection.rules import word_set
from receipts.mapping.recognizers import E164, UUID, smpp_time
from receipts.mapping.values import status_word
from receipts.mapping.vocabularies import Vocabularies

_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")  # Twilio-style: SM/MM + 32 hex digits


_HEX_ID = re.compile(r"[0-9a-fA-F]{12,}")


_TOKEN_ID = re.compile(r"[A-Za-z0-9][!-~]{7,}")


_DIGIT_ID = re.compile(r"\d[\d-]{15,}")


_SCHEMED_PHONE = re.compile(r"[a-z]+:\+?[1-9]\d{6,14}")  # whatsapp:+15551234567
_WHATSAPP_JID = re.compile(r"[1-9]\d{6,14}@(?:c\.us|s\.whatsapp\.net)")  # 79001234567@c.us


_NATIONAL = re.compile(r"\+?[\d\s().-]{7,20}")


_SENDER_ID = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9&._-]{2,11}")


_ISO_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)


_RFC2822 = re.compile(r"(?:[A-Za-z]{3}, )?\d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}(?::\d{2})?.*")


_DECIMAL = re.compile(r"-?\d+\.\d+")


WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,39}")


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}")


_EPOCH_SECONDS = (946_684_800, 2_000_000_000)  # 2000-01-01 .. 2033-05-18


_EPOCH_MILLIS = (946_684_800_000, 2_000_000_000_000)


_CHANNELS = word_set(
    "sms mms rcs whatsapp viber line messenger facebook instagram telegram wechat kakao "
    "kakaotalk zalo apple imessage google gbm email voice push signal"
)


_CURRENCIES = word_set(
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP "
    "MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR "
    "RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS "
    "TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR "
    "ZMW ZWL"
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def digit_text(value: Any) -> str | None:
    """The digits of an integer or a digit string, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None


def is_iso_time(value: str) -> bool:
    if len(value) > 40 or not _ISO_TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace(",", ".").replace("z", "Z"))
    except ValueError:
        return False
    return True


def time_shape(value: Any) -> float:
    """ISO 8601 (any fraction, Z or offset), RFC 2822, epoch seconds/ms, SMPP YYMMDDhhmm."""
    if isinstance(value, str):
        if is_iso_time(value):
            return 1.0
        if _RFC2822.fullmatch(value):
            return 0.9
    digits = digit_text(value)
    if digits is not None:
        number = int(digits)
        if _in(number, _EPOCH_SECONDS) or _in(number, _EPOCH_MILLIS):
            return 0.85
        if isinstance(value, str) and smpp_time(digits) is not None:
            return 0.75
        return -1.0
    if isinstance(value, float) and math.isfinite(value) and _in(value, _EPOCH_SECONDS):
        return 0.8
    return -1.0


def _in(number: float, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= number <= bounds[1]


def _is_phone(value: str) -> bool:
    return bool(E164.fullmatch(value) or _SCHEMED_PHONE.fullmatch(value))


def recipient_shape(value: Any) -> float:
    """E.164 best; bare national or international digits; never a name or a short code."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.6 if 8 <= len(str(abs(value))) <= 15 else -1.0
    if not isinstance(value, str):
        return -1.0
    if E164.fullmatch(value):
        return 1.0
    if _SCHEMED_PHONE.fullmatch(value) or _WHATSAPP_JID.fullmatch(value):
        return 0.8
    if value.isascii() and value.isdigit():
        return 0.75 if 8 <= len(value) <= 15 else -0.5
    if _NATIONAL.fullmatch(value) and 8 <= sum(c.isdigit() for c in value) <= 15:
        return 0.6
    return -1.0


def sender_shape(value: Any) -> float:
    """A phone number, a short code or an alphanumeric sender id (at most 11 characters)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.6 if 3 <= len(str(abs(value))) <= 15 else -1.0
    if not isinstance(value, str):
        return -1.0
    if _is_phone(value):
        return 0.9
    if value.isascii() and value.isdigit():
        return 0.7 if 3 <= len(value) <= 15 else -0.5
    if _SENDER_ID.fullmatch(value):
        return 0.7
    return -0.6


def id_shape(value: Any, vocabularies: Vocabularies) -> float:
    """UUIDs, SM + 32 hex and other opaque tokens; not phone numbers, words or times."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.4 if value >= 1_000_000 else -0.6
    if not isinstance(value, str):
        return -1.0
    if UUID.fullmatch(value) or _SID.fullmatch(value):
        return 1.0
    if _HEX_ID.fullmatch(value) and any(c.isdigit() for c in value):
        return 0.9
    if _is_phone(value) or is_iso_time(value) or vocabularies.knows(value):
        return -1.0
    if value.isascii() and value.isdigit():
        return 0.7 if len(value) >= 16 else (0.5 if len(value) >= 8 else 0.1)
    if _DIGIT_ID.fullmatch(value):
        return 0.7
    if _TOKEN_ID.fullmatch(value) and any(c.isdigit() for c in value):
        return 0.8
    if " " in value:
        return -1.0
    return -0.5


def client_id_shape(value: Any, vocabularies: Vocabularies) -> float:
    """The sender's own reference: anything id-like, often readable (``order-48213-otp``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.2
    if not isinstance(value, str):
        return -1.0
    if _is_phone(value) or is_iso_time(value):
        return -0.8
    if vocabularies.knows(value):
        return -0.5
    if " " in value.strip():
        return -0.6
    if any(c.isdigit() for c in value) and len(value) >= 3:
        return 0.6
    return 0.1


def status_shape(value: Any, vocabularies: Vocabularies) -> float:
    """A value of some provider's vocabulary, a word whose stems read as a status
    (``TEXT_DELIVERED``, ``"DELIVERED | text"``); small codes and flags might be one."""
    if isinstance(value, str):
        if vocabularies.knows(value):
            return 1.0
        word = status_word(value)
        if WORD.fullmatch(word) and not is_iso_time(word):
            return 0.9 if vocabularies.normalize(word) else 0.25
        if value.isascii() and value.isdigit() and len(value) <= 4:
            return 0.5
        if len(value) <= 40 and len(value.split()) <= 6 and all(map(WORD.fullmatch, value.split())):
            return 0.6 if vocabularies.normalize(value) else 0.2  # "Message Failed"
        return -0.6
    if isinstance(value, bool):
        return 0.5
    digits = digit_text(value)
    if digits is not None and len(digits) <= 4:
        return 0.5  # a code from the provider's table: left unknown unless a table knows it
    if _is_number(value):
        return -0.4
    return -1.0


def detail_shape(value: Any, vocabularies: Vocabularies) -> float:
    """A status sub-word (``delivered_to_operator``, ``MOB-OFF``) or a short phrase."""
    if isinstance(value, str):
        if vocabularies.knows(value):
            return 0.8
        if UUID.fullmatch(value) or is_iso_time(value) or _is_phone(value):
            return -1.0
        if WORD.fullmatch(value):
            return 0.5
        return 0.3 if len(value.split()) <= 6 else -0.2
    if _is_number(value):
        return -0.5
    return -1.0


def error_code_shape(value: Any) -> float:
    """Numbers, digit strings and short code words (``EC_ABSENT_SUBSCRIBER``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 1.0 if 0 <= value < 1_000_000_000 else -0.5
    if not isinstance(value, str):
        return -0.5 if isinstance(value, float) else -1.0
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return 1.0
    if UUID.fullmatch(value) or _is_phone(value) or is_iso_time(value):
        return -1.0
    if _CODE.fullmatch(value):
        return 0.3
    return -1.0


def error_message_shape(value: Any) -> float:
    """Human text: words with spaces, rarely a single word."""
    if not isinstance(value, str) or is_iso_time(value):
        return -1.0
    if not any(c.isalpha() for c in value):
        return -1.0
    return 0.5 if " " in value.strip() else 0.1


def channel_shape(value: Any) -> float:
    return 1.0 if isinstance(value, str) and value.lower() in _CHANNELS else -0.8


def price_shape(value: Any) -> float:
    """Decimal amounts, as numbers or numeric strings (8x8 sends 0.0213, Vonage "0.0333")."""
    if isinstance(value, float) and not isinstance(value, bool):
        return 1.0 if math.isfinite(value) and -1000 < value < 10_000 else -1.0
    if isinstance(value, int) and not isinstance(value, bool):
        return 0.4 if 0 <= value < 10_000 else -1.0
    if isinstance(value, str) and len(value) <= 20:
        if _DECIMAL.fullmatch(value):
            return 1.0
        if value.isascii() and value.isdigit():
            return 0.4
    return -1.0


def currency_shape(value: Any) -> float:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        return -1.0
    return 1.0 if value.upper() in _CURRENCIES else 0.3


def segments_shape(value: Any) -> float:
    """Small whole numbers: a message is rarely more than a handful of SMS parts."""
    digits = digit_text(value)
    if digits is None or len(digits) > 4:
        return -1.0
    count = int(digits)
    if 1 <= count <= 20:
        return 1.0
    return 0.3 if count == 0 else (0.2 if count <= 255 else -1.0)


def reason_words(values: list[Any]) -> bool:
    """Reason codes written as words: one token each, no sentence (``UserInBlacklist``)."""
    return bool(values) and all(
        isinstance(v, str) and _CODE.fullmatch(v) and any(c.isalpha() for c in v) for v in values
    )


def opaque_id(value: Any) -> bool:
    return isinstance(value, str) and bool(
        UUID.fullmatch(value)
        or _SID.fullmatch(value)
        or (_HEX_ID.fullmatch(value) and any(c.isdigit() for c in value))
    )
