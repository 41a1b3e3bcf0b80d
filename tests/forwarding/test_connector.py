"""`receipts connector moengage`: MoEngage's custom SMS connector screen for 8x8, filled in."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from receipts.cli import main

SECRET = "connector-test-secret-0123456789"


def connector(*args: str, **env: str):
    environ = {
        "RECEIPTS_WEBHOOK_SECRET": SECRET,
        "RECEIPTS_API_TOKEN": "connector-test-api-token",
        "RECEIPTS_PUBLIC_URL": "",
        "MOENGAGE_DLR_URL": "",
        "MOENGAGE_FORWARD": "",
        **env,
    }
    return CliRunner().invoke(main, ["connector", "moengage", *args], env=environ)


@pytest.mark.parametrize(
    ("region", "host"),
    [("apac", "sms.8x8.com"), ("us", "sms.us.8x8.com"), ("eu", "sms.8x8.uk"), ("id", "sms.8x8.id")],
)
def test_api_url_uses_the_regional_host_and_subaccount(region, host):
    result = connector("--json", "--region", region, "--subaccount", "Acme_Notif")
    sending = json.loads(result.output)["sending"]
    assert sending["api_url"] == f"https://{host}/api/v1/subaccounts/Acme_Notif/messages"


def test_json_has_every_setting_of_the_screen():
    result = connector(
        "--json", "--sender", "ACME", "--public-url", "https://receipts.example.com/"
    )
    settings = json.loads(result.output)
    assert settings["sending"] == {
        "api_url": "https://sms.8x8.com/api/v1/subaccounts/YOUR-SUBACCOUNT-ID/messages",
        "method": "POST",
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer {8x8 API key}"},
        "body": {
            "destination": "Moesms_destination",
            "text": "Moesms_message",
            "source": "ACME",
            "dlrCallbackUrl": f"https://receipts.example.com/webhooks/8x8?token={SECRET}",
        },
        "response_message_id_field": "umid",
    }
    tracking = settings["delivery_tracking"]
    assert tracking["receipts_webhook_url_for_8x8"] == "https://receipts.example.com/webhooks/8x8"
    assert tracking["receipts_webhook_authorization"] == f"Bearer {SECRET}"
    assert (tracking["message_id_field"], tracking["status_field"]) == ("message_id", "status")
    assert tracking["success_values"] == ["delivered"]
    assert tracking["failure_reason_field"] == "reason"


def test_text_is_ready_to_paste():
    result = connector("--sender", "ACME", "--public-url", "https://r.example.com")
    assert result.exit_code == 0
    assert "API URL:              https://sms.8x8.com/api/v1/subaccounts/" in result.output
    assert '"dlrCallbackUrl": "https://r.example.com/webhooks/8x8?token=' in result.output
    assert "Message id in the response: umid" in result.output
    assert "Success values:                  delivered\n" in result.output
    assert "set it as MOENGAGE_DLR_URL" in result.output


def test_public_url_from_the_environment_and_a_placeholder_without():
    from_env = connector("--json", RECEIPTS_PUBLIC_URL="https://env.example.com")
    assert json.loads(from_env.output)["delivery_tracking"]["receipts_webhook_url_for_8x8"] == (
        "https://env.example.com/webhooks/8x8"
    )
    placeholder = connector("--json")
    assert json.loads(placeholder.output)["delivery_tracking"]["receipts_webhook_url_for_8x8"] == (
        "https://YOUR-HOST/webhooks/8x8"
    )


def test_all_mode_adds_read_to_the_success_values():
    result = connector("--json", MOENGAGE_FORWARD="all")
    assert json.loads(result.output)["delivery_tracking"]["success_values"] == [
        "delivered",
        "read",
    ]


def test_a_bad_public_url_is_refused():
    result = connector("--public-url", "receipts.example.com")
    assert result.exit_code == 2
    assert "expected an http(s) URL" in result.output
