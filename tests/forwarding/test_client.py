"""The MoEngage client: one answer per try, whatever happens on the wire."""

from __future__ import annotations

import socket

from receipts.forwarding.client import MAX_BODY_BYTES, MoEngageClient


def test_a_body_over_150_kb_is_not_sent(moengage):
    body = '{"message_id": "m", "reason": "' + "x" * MAX_BODY_BYTES + '"}'
    with MoEngageClient(moengage.url) as client:
        answer = client.send(body)
    assert answer.permanent
    assert "150 KB" in answer.error
    assert moengage.attempts() == []


def test_connection_refused_is_an_answer_without_status():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with MoEngageClient(f"http://127.0.0.1:{port}/dlr", timeout=2) as client:
        answer = client.send('{"message_id": "m"}')
    assert answer.http_status is None
    assert answer.error.startswith("ConnectError")
    assert not answer.permanent


def test_an_error_answer_is_kept(moengage):
    moengage.behave(status=400)
    with MoEngageClient(moengage.url) as client:
        answer = client.send('{"message_id": "m"}')
    assert (answer.http_status, answer.error) == (400, '{"status":"fail"}')
