"""Message framing as the production server (gunicorn, `receipts serve`'s worker) reads it.

The other webhook tests run the app behind werkzeug's server; these send bytes no client
library would, to the server that faces 8x8 and whatever else finds the address."""

from __future__ import annotations

import contextlib
import socket

import orjson
import pytest

from tests.support.bodies import sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.postgres import stored_bodies
from tests.support.processes import Gunicorn, app_environment

AUTH = f"Authorization: Bearer {WEBHOOK_SECRET}\r\n".encode()


def chunked(body: bytes, size: int = 100) -> bytes:
    parts = (body[start : start + size] for start in range(0, len(body), size))
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def exchange(server: Gunicorn, request: bytes) -> tuple[int, bytes]:
    """The status and body of the answer, read until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        # A server that refuses early may close before the rest is sent: its answer is read.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def post(headers: bytes, body: bytes) -> bytes:
    return (
        b"POST /webhooks/8x8 HTTP/1.1\r\nHost: receipts\r\nConnection: close\r\n"
        + AUTH
        + headers
        + b"\r\n"
        + body
    )


@pytest.fixture(scope="module")
def server(config, tmp_path_factory):
    started = Gunicorn(app_environment(config), tmp_path_factory.mktemp("gunicorn") / "log")
    yield started.start()
    started.stop()


@pytest.mark.slow
def test_a_chunked_receipt_is_stored(server, db):
    body = orjson.dumps(sms_receipt())
    status, _ = exchange(server, post(b"Transfer-Encoding: chunked\r\n", chunked(body)))
    assert status == 200
    assert len(stored_bodies(db)) == 1


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_is_a_json_413_and_stores_nothing(server, db, config):
    too_big = b'{"a": "' + b"x" * config.max_body + b'"}'
    status, body = exchange(
        server, post(b"Transfer-Encoding: chunked\r\n", chunked(too_big, 65536))
    )
    assert status == 413
    assert orjson.loads(body)["error"]["code"] == "request_entity_too_large"
    assert stored_bodies(db) == []


@pytest.mark.slow
def test_both_content_length_and_chunked_is_refused_as_smuggling(server, db):
    """Two framings in one request: a proxy reading one and us the other would desync."""
    body = chunked(orjson.dumps(sms_receipt()))
    headers = b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n"
    status, _ = exchange(server, post(headers, body))
    assert status == 400
    assert stored_bodies(db) == []


@pytest.mark.slow
def test_an_oversized_header_is_refused_before_the_app(server, db):
    status, _ = exchange(server, post(b"X-Padding: " + b"a" * 20_000 + b"\r\n", b"{}"))
    assert status == 431
    assert stored_bodies(db) == []
