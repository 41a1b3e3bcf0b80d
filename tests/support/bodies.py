"""8x8 webhook bodies in the documented shapes, built by the tests themselves."""

from __future__ import annotations

import uuid
from typing import Any


def new_umid() -> str:
    return str(uuid.uuid4())


def sms_receipt(
    umid: str | None = None,
    state: str = "delivered",
    detail: str | None = "delivered_to_recipient",
    timestamp: str = "2026-03-02T08:15:42.31Z",
    error_code: int | None = None,
    error_message: str | None = None,
    client_message_id: str | None = "order-48213-otp",
    destination: str = "+6591234567",
    price: float | None = None,
) -> dict[str, Any]:
    status = _status(state, detail, timestamp, error_code, error_message)
    payload: dict[str, Any] = {
        "umid": umid or new_umid(),
        "subAccountId": "Acme_Notif",
        "source": "ACME",
        "destination": destination,
        "status": status,
        "smsCount": 1,
    }
    if client_message_id is not None:
        payload["clientMessageId"] = client_message_id
    if price is not None:
        payload["price"] = {"total": price, "perSms": price, "currency": "EUR"}
    return {
        "namespace": "SMS",
        "eventType": "outbound_message_status_changed",
        "description": "SMS outbound message delivery receipt",
        "payload": payload,
    }


def _status(
    state: str,
    detail: str | None,
    timestamp: str,
    error_code: int | None,
    error_message: str | None,
) -> dict[str, Any]:
    """8x8's `status` object: the same in SMS and chat-app receipts."""
    status: dict[str, Any] = {"state": state, "timestamp": timestamp}
    if detail is not None:
        status["detail"] = detail
    if error_code is not None:
        status["errorCode"] = error_code
        status["errorMessage"] = error_message
    return status


def chatapps_receipt(
    umid: str | None = None,
    channel: str = "whatsapp",
    state: str = "read",
    detail: str | None = None,
    timestamp: str = "2026-03-02T12:03:44.90Z",
    msisdn: str = "+6598765432",
    error_code: int | None = None,
    provider_error_code: str | None = None,
    error_message: str = "Invalid destination",
) -> dict[str, Any]:
    status = _status(state, detail, timestamp, error_code, error_message)
    payload: dict[str, Any] = {
        "umid": umid or new_umid(),
        "subAccountId": "Acme_WA",
        "channel": channel,
        "user": {"msisdn": msisdn, "channelUserId": msisdn.lstrip("+")},
        "status": status,
    }
    if provider_error_code is not None:
        payload["whatsapp"] = {"providerErrorCode": provider_error_code}
    return {
        "version": 9,
        "namespace": "ChatApps",
        "eventType": "outbound_message_status_changed",
        "description": "ChatApps outbound message delivery receipt",
        "payload": payload,
    }


def inbound_sms(text: str = "STOP") -> dict[str, Any]:
    return {
        "namespace": "SMS",
        "eventType": "inbound_message_received",
        "description": "SMS inbound message",
        "payload": {
            "umid": new_umid(),
            "subAccountId": "Acme_Notif",
            "timestamp": "2026-03-02T14:34:56.017Z",
            "source": "+6581968289",
            "destination": "+4534735477",
            "body": text,
            "encoding": "GSM7",
            "smsCount": 1,
        },
    }
