"""MoEngage's "custom SMS connector" screen for 8x8, filled in: what to paste where.

The sending half points MoEngage at 8x8's send API with 8x8's own field names; the tracking
half tells MoEngage how to read the bodies Receipts forwards (README.md "Send outcomes to
MoEngage" shows one). `dlrCallbackUrl` sends each message's receipts here even when the 8x8
account has no webhook registered; it cannot carry a header, hence `?token=`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from receipts.config import Config, ConfigError
from receipts.credentials import with_stored_credentials
from receipts.mapping.status import DELIVERED_STATUSES, Status

# 8x8's SMS API host per region (its API reference).
SMS_HOSTS = {
    "apac": "sms.8x8.com",
    "us": "sms.us.8x8.com",
    "eu": "sms.8x8.uk",
    "id": "sms.8x8.id",
}
REGION_NAMES = {
    "apac": "Asia-Pacific",
    "us": "North America",
    "eu": "Europe",
    "id": "Indonesia",
}
PLACEHOLDER_URL = "https://YOUR-HOST"
PLACEHOLDER_SUBACCOUNT = "YOUR-SUBACCOUNT-ID"
PLACEHOLDER_SENDER = "YOUR-SENDER-ID"
PLACEHOLDER_SECRET = "YOUR-RECEIPTS_WEBHOOK_SECRET"  # noqa: S105 (a placeholder)
DLR_URL_EXAMPLE = "https://api-0X.moengage.com/sms/dlr/custom/<connector id>"


@dataclass(frozen=True)
class ConnectorSettings:
    region: str
    api_url: str
    headers: dict[str, str]
    body: dict[str, str]
    response_message_id: str
    webhook_url: str
    webhook_authorization: str
    dlr_callback_url: str
    forward_mode: str
    moengage_dlr_url: str | None

    @property
    def success_values(self) -> list[str]:
        # In `all` mode `read` arrives as itself; in `final` mode it is sent as `delivered`.
        return list(DELIVERED_STATUSES) if self.forward_mode == "all" else [Status.DELIVERED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "sending": {
                "api_url": self.api_url,
                "method": "POST",
                "headers": self.headers,
                "body": self.body,
                "response_message_id_field": self.response_message_id,
            },
            "delivery_tracking": {
                "receipts_webhook_url_for_8x8": self.webhook_url,
                "receipts_webhook_authorization": self.webhook_authorization,
                "dlr_callback_url": self.dlr_callback_url,
                "moengage_tracking_url": self.moengage_dlr_url or DLR_URL_EXAMPLE,
                "moengage_tracking_url_goes_to": "MOENGAGE_DLR_URL",
                "message_id_field": "message_id",
                "status_field": "status",
                "success_values": self.success_values,
                "failure_reason_field": "reason",
                "forward_mode": self.forward_mode,
            },
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def as_text(self) -> str:
        body = json.dumps(self.body, indent=2).replace("\n", "\n    ")
        tracking_url = self.moengage_dlr_url or f"(not set yet) {DLR_URL_EXAMPLE}"
        lines = [
            f"MoEngage custom SMS connector for 8x8 ({REGION_NAMES[self.region]})",
            "",
            "1. Sending (MoEngage: Settings > Channels > SMS > Custom connector)",
            f"  API URL:              {self.api_url}",
            "  Method:               POST",
            "  Headers:",
            *(f"    {name}: {value}" for name, value in self.headers.items()),
            "  Body (JSON):",
            f"    {body}",
            f"  Message id in the response: {self.response_message_id}",
            "",
            "2. Delivery receipts: 8x8 -> Receipts",
            f"  Webhook URL to register in 8x8:  {self.webhook_url}",
            f"  its httpAuthorization:           {self.webhook_authorization}",
            f"  (dlrCallbackUrl above, per message: {self.dlr_callback_url})",
            "",
            "3. Delivery tracking: Receipts -> MoEngage (the connector's tracking settings)",
            f"  Tracking URL MoEngage shows:     {tracking_url}",
            "    -> set it as MOENGAGE_DLR_URL where Receipts runs",
            "  Message id field:                message_id",
            "  Status field:                    status",
            f"  Success values:                  {', '.join(self.success_values)}",
            "  Failure reason field:            reason",
        ]
        if self.forward_mode == "all":
            lines.append(
                "  (MOENGAGE_FORWARD=all: queued and sent also arrive and count as failures"
                " in MoEngage; final is the default)"
            )
        return "\n".join(lines)


def connector_settings(
    region: str,
    subaccount: str | None,
    sender: str | None,
    public_url: str | None,
    webhook_secret: str | None,
    forward_mode: str,
    moengage_dlr_url: str | None,
) -> ConnectorSettings:
    base = (public_url or PLACEHOLDER_URL).rstrip("/")
    secret = webhook_secret or PLACEHOLDER_SECRET
    webhook_url = f"{base}/webhooks/8x8"
    dlr_callback_url = f"{webhook_url}?token={secret}"
    return ConnectorSettings(
        region=region,
        api_url=(
            f"https://{SMS_HOSTS[region]}/api/v1/subaccounts/"
            f"{subaccount or PLACEHOLDER_SUBACCOUNT}/messages"
        ),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer {8x8 API key}",
        },
        body={
            "destination": "Moesms_destination",
            "text": "Moesms_message",
            "source": sender or PLACEHOLDER_SENDER,
            "dlrCallbackUrl": dlr_callback_url,
        },
        response_message_id="umid",
        webhook_url=webhook_url,
        webhook_authorization=f"Bearer {secret}",
        dlr_callback_url=dlr_callback_url,
        forward_mode=forward_mode,
        moengage_dlr_url=moengage_dlr_url,
    )


def deployment_connector_settings(
    config: Config, region: str, subaccount: str | None, sender: str | None, public_url: str | None
) -> ConnectorSettings:
    """The settings for this deployment: its webhook secret, or a placeholder while none has
    been generated yet, and its forwarding mode and MoEngage URL."""
    try:
        secret: str | None = with_stored_credentials(config).webhook_secrets[0]
    except ConfigError:
        secret = None
    return connector_settings(
        region,
        subaccount,
        sender,
        public_url,
        secret,
        config.moengage_forward,
        config.moengage_dlr_url,
    )
