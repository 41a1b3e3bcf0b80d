"""Secrets and tokens are never in logs, error bodies or stored rows; several secrets are valid."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import httpx
import orjson
import pytest

from receipts.credentials import matches_any
from receipts.logs import REDACTED, RedactSecrets, redact
from tests.support.bodies import sms_receipt
from tests.support.credentials import API_TOKEN, OLD_WEBHOOK_SECRET, WEBHOOK_SECRET
from tests.support.processes import Gunicorn, app_environment

WRONG_TOKEN = "wrong-token-but-still-private-42"


@pytest.fixture
def gunicorn_with_access_log(config, db, tmp_path) -> Iterator[Gunicorn]:
    """gunicorn as an operator might run it: access log on, debug logging."""
    server = Gunicorn(
        app_environment(config),
        tmp_path / "gunicorn.log",
        workers=1,
        args=("--access-logfile", "-", "--error-logfile", "-", "--log-level", "debug"),
    ).start()
    yield server
    server.stop()


def requests_carrying_secrets(url: str) -> list[httpx.Response]:
    body = orjson.dumps(sms_receipt())
    basic = base64.b64encode(f"8x8:{WEBHOOK_SECRET}".encode()).decode()
    with httpx.Client(base_url=url, timeout=10) as http:
        return [
            http.post("/webhooks/8x8", params={"token": WEBHOOK_SECRET}, content=body),
            http.post("/webhooks/8x8", params={"token": WRONG_TOKEN}, content=body),
            http.post("/webhooks/8x8", headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"}),
            http.post("/webhooks/8x8", headers={"Authorization": f"Bearer {OLD_WEBHOOK_SECRET}"}),
            http.post("/webhooks/8x8", headers={"Authorization": f"Basic {basic}"}, content=body),
            http.post("/webhooks/8x8", headers={"Authorization": f"Bearer {WRONG_TOKEN}"}),
            http.post(
                "/webhooks/8x8",
                params={"token": WEBHOOK_SECRET, "strict": "1"},
                content=b'{"namespace": "SMS"}',
            ),
            *over_the_limit(http),
            http.get("/webhooks/8x8", params={"token": WEBHOOK_SECRET}),
            http.get(f"/no/such/{WEBHOOK_SECRET}", params={"token": WEBHOOK_SECRET}),
            http.get("/api/v1/messages/x", headers={"Authorization": f"Bearer {API_TOKEN}"}),
            http.get("/api/v1/messages/x", params={"token": API_TOKEN}),
            http.get("/api/v1/messages/x", headers={"Authorization": f"Bearer {WRONG_TOKEN}"}),
        ]


def over_the_limit(http: httpx.Client) -> list[httpx.Response]:
    """A 413, on a connection of its own: gunicorn may close it before all of the body is sent."""
    try:
        return [
            httpx.post(
                http.base_url.join("/webhooks/8x8"),
                params={"token": WEBHOOK_SECRET},
                content=b"x" * 2**21,
            )
        ]
    except httpx.TransportError:
        return []


SECRETS = (WEBHOOK_SECRET, OLD_WEBHOOK_SECRET, API_TOKEN, WRONG_TOKEN)


def test_no_secret_or_token_reaches_the_logs(gunicorn_with_access_log):
    requests_carrying_secrets(gunicorn_with_access_log.url)
    gunicorn_with_access_log.stop()
    log = gunicorn_with_access_log.output()
    assert "POST /webhooks/8x8?token=" + REDACTED in log  # the access log did see the query
    for secret in SECRETS:
        assert secret not in log


def test_no_secret_or_token_is_echoed_in_an_answer(live_server, db):
    for response in requests_carrying_secrets(live_server.url):
        for secret in SECRETS:
            assert secret not in response.text
            assert secret not in str(response.headers)


def test_query_token_is_not_stored_with_the_body(client, db):
    body = orjson.dumps(sms_receipt())
    response = client.post(
        "/webhooks/8x8",
        params={"token": WEBHOOK_SECRET},
        content=body,
        headers={"Authorization": ""},
    )
    assert response.status_code == 200
    for table in ("webhook_bodies", "receipts", "messages", "forwards"):
        rows = db.execute(f"SELECT row_to_json(t)::text FROM {table} t").fetchall()  # noqa: S608
        assert all(WEBHOOK_SECRET not in row[0] for row in rows)
    assert db.execute("SELECT body FROM webhook_bodies").fetchone()[0] == body


def test_redaction_covers_query_tokens_and_configured_secrets():
    line = f'"GET /x?a=1&token={WRONG_TOKEN}&b=2 HTTP/1.1" Bearer {WEBHOOK_SECRET}'
    assert (
        redact(line, [WEBHOOK_SECRET])
        == f'"GET /x?a=1&token={REDACTED}&b=2 HTTP/1.1" Bearer {REDACTED}'
    )


def test_redaction_filter_rewrites_arguments_and_structured_fields():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s", (f"?token={API_TOKEN}",), None
    )
    record.fields = {"authorization": f"Bearer {API_TOKEN}"}
    assert RedactSecrets([API_TOKEN]).filter(record)
    assert API_TOKEN not in record.getMessage()
    assert API_TOKEN not in str(record.fields)


def test_every_configured_secret_matches_and_nothing_else():
    secrets = (WEBHOOK_SECRET, OLD_WEBHOOK_SECRET)
    assert matches_any(WEBHOOK_SECRET, secrets)
    assert matches_any(OLD_WEBHOOK_SECRET, secrets)
    for wrong in (
        "",
        None,
        WEBHOOK_SECRET[:-1],
        WEBHOOK_SECRET + "x",
        WEBHOOK_SECRET.upper(),
        "\ud800",
    ):
        assert not matches_any(wrong, secrets)


def test_api_token_is_not_a_webhook_secret(client, db):
    response = client.post(
        "/webhooks/8x8",
        content=orjson.dumps(sms_receipt()),
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert response.status_code == 401


def test_webhook_secret_is_not_an_api_token(api):
    response = api.get("/api/v1/messages/x", headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"})
    assert response.status_code == 401


def test_secret_rotation_old_and_new_both_accepted_in_one_run(client, db):
    for secret in (OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, OLD_WEBHOOK_SECRET):
        response = client.post(
            "/webhooks/8x8",
            content=orjson.dumps(sms_receipt()),
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 200
    assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == 3
