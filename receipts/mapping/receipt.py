"""The normalized receipt: what every mapping produces, whatever the provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from receipts.mapping.status import Status

# Normalized fields a mapping file may name in [fields]: the fields of Receipt below, with
# `status`/`detail` read as the provider's raw values, plus the ids 8x8 echoes for reporting.
FIELD_NAMES = (
    "message_id",
    "client_message_id",
    "status",
    "detail",
    "event_at",
    "recipient",
    "sender",
    "error_code",
    "error_message",
    "provider_error_code",
    "channel",
    "price",
    "currency",
    "segments",
    "batch_id",
    "client_batch_id",
)
REQUIRED_FIELDS = ("message_id", "status")


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    status: Status
    provider_status: str
    provider_detail: str | None = None
    final: bool = False
    event_at: datetime | None = None
    client_message_id: str | None = None
    recipient: str | None = None
    sender: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    provider_error_code: str | None = None
    channel: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    segments: int | None = None
    batch_id: str | None = None
    client_batch_id: str | None = None
    reason_category: str | None = None  # failed receipts: receipts/mapping/reasons.py
    permanent: bool | None = None
