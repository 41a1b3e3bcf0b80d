"""GET /api/v1/receipts: filters, newest-first keyset pages, and 400s that name the parameter."""

from __future__ import annotations

import pytest

RANGE = {"from": "2026-03-02", "to": "2026-03-04"}


def every_page(api, **params) -> tuple[list[dict], int]:
    rows, pages, cursor = [], 0, None
    while True:
        query = {**params, **({"next": cursor} if cursor else {})}
        response = api.get("/api/v1/receipts", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["receipts"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return rows, pages


def test_pages_return_every_receipt_once_newest_first(campaign, api):
    rows, pages = every_page(api, limit=2)
    assert len(rows) == campaign.receipts
    assert len({row["id"] for row in rows}) == campaign.receipts
    assert pages == 6
    keys = [(row["event_at"], row["id"]) for row in rows]
    assert keys == sorted(keys, reverse=True)


def test_filters_by_status_error_and_time(campaign, api):
    failed, _ = every_page(api, status="failed", **RANGE)
    assert {row["message_id"] for row in failed} == {campaign.ids["b"], campaign.ids["e"]}
    by_code, _ = every_page(api, error_code="43")
    assert [row["message_id"] for row in by_code] == [campaign.ids["e"]]
    second_day, _ = every_page(api, **{"from": "2026-03-03T00:00:00Z"})
    assert {row["message_id"] for row in second_day} == {campaign.ids["e"], campaign.ids["f"]}


def test_filters_by_recipient_country_sender_and_channel(campaign, api):
    canada, _ = every_page(api, country="ca")
    assert {row["message_id"] for row in canada} == {campaign.ids["e"]}
    shop, _ = every_page(api, sender="SHOP")
    assert {row["message_id"] for row in shop} == {campaign.ids["d"], campaign.ids["e"]}
    whatsapp, _ = every_page(api, channel="whatsapp")
    assert [row["message_id"] for row in whatsapp] == [campaign.ids["f"]]
    assert every_page(api, connector="other")[0] == []


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"status": "lost"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"country": "Singapore"}, "country"),
        ({"from": "soon"}, "from"),
        ({"next": "not-a-cursor"}, "next"),
        ({"colour": "red"}, "colour"),
        ({"sender": "ACME\x00"}, "sender"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, params, named):
    response = api.get("/api/v1/receipts", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["detail"].startswith(f"{named}:")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/receipts",
        "/api/v1/reports/summary?from=2026-03-02&to=2026-03-04",
        "/api/v1/reports/summary.csv?from=2026-03-02&to=2026-03-04",
        "/api/v1/messages/some-id",
    ],
)
def test_every_reporting_path_needs_the_api_token(client, path):
    response = client.get(path)  # the webhook secret is no API token
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert client.get(path, headers={"Authorization": ""}).status_code == 401


def test_the_dashboard_cookie_also_authenticates_the_api(reports_db, live_server):
    import httpx

    from tests.support.credentials import API_TOKEN

    with httpx.Client(base_url=live_server.url) as browser:
        response = browser.get(
            "/api/v1/receipts", headers={"Cookie": f"receipts_api_token={API_TOKEN}"}
        )
        assert response.status_code == 200
        wrong = browser.get("/api/v1/receipts", headers={"Cookie": "receipts_api_token=nope"})
        assert wrong.status_code == 401


def test_the_channel_filter_ignores_case(client, api, db):
    from tests.support.bodies import chatapps_receipt

    client.post("/webhooks/8x8", json=chatapps_receipt())
    answer = api.get("/api/v1/receipts", params={"channel": "WhatsApp"}).json()
    assert [receipt["channel"] for receipt in answer["receipts"]] == ["whatsapp"]
