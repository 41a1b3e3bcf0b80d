"""The quarantine you can see: the API lists quarantined bodies, a log line names each one."""

from __future__ import annotations

import logging

from receipts.intake import accept


def quarantine(client, connector: str = "8x8") -> None:
    response = client.post(f"/webhooks/{connector}", json={"namespace": "SMS", "eventType": "odd"})
    assert response.status_code == 202


def test_quarantined_bodies_are_listed_newest_first_with_their_reason(client, api, db):
    quarantine(client)
    quarantine(client)
    answer = api.get("/api/v1/quarantine").json()
    assert answer["count"] == 2 and answer["next"] is None
    first, second = answer["quarantine"]
    assert first["body_id"] > second["body_id"]
    assert (first["connector"], first["reason"]) == ("8x8", "no_mapping")
    assert "body" not in first


def test_the_quarantine_pages_like_the_receipts(client, api, db):
    for _ in range(3):
        quarantine(client)
    page = api.get("/api/v1/quarantine", params={"limit": 2}).json()
    rest = api.get("/api/v1/quarantine", params={"limit": 2, "next": page["next"]}).json()
    ids = [row["body_id"] for row in page["quarantine"] + rest["quarantine"]]
    assert len(ids) == 3 == len(set(ids)) and rest["next"] is None


def test_the_quarantine_filters_by_connector(client, api, db):
    quarantine(client)
    assert api.get("/api/v1/quarantine", params={"connector": "acme"}).json()["count"] == 0


def test_each_quarantined_body_is_logged_once_without_the_body(client, db, caplog):
    with caplog.at_level(logging.INFO, logger=accept.__name__):
        quarantine(client)
    lines = [r.getMessage() for r in caplog.records if "quarantined body" in r.getMessage()]
    assert len(lines) == 1
    assert "(8x8): no_mapping" in lines[0] and "eventType" not in lines[0]
