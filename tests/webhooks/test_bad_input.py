"""Bad input over real HTTP: never a 5xx, every refusal a JSON error, everything authenticated kept.

Each case is one body (or header, or path) 8x8, a misconfigured integrator or an attacker could
send. An authenticated body is stored exactly once (as a receipt, ignored or quarantined) unless
it is over the size limit; nothing else is stored.
"""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import httpx
import orjson
import pytest

from tests.support.bodies import new_umid, sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.postgres import stored_bodies

SQL = "'; DROP TABLE receipts; --"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
JSON = "application/json"


def nested(depth: int, leaf: str = '"x"') -> bytes:
    return b'{"a":' * depth + leaf.encode() + b"}" * depth


def receipt_with(path: tuple[str, ...], value: object) -> bytes:
    body = sms_receipt()
    node = body
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return json.dumps(body).encode()  # stdlib: it writes integers of any size


# (name, raw body, content type): every body here is authenticated and must be kept.
BODIES: list[tuple[str, bytes, str | None]] = [
    ("empty body", b"", JSON),
    ("whitespace only", b"   \n", JSON),
    ("JSON null", b"null", JSON),
    ("JSON number", b"42", JSON),
    ("JSON string", b'"delivered"', JSON),
    ("empty list", b"[]", JSON),
    ("truncated JSON", orjson.dumps(sms_receipt())[:-7], JSON),
    ("trailing garbage", orjson.dumps(sms_receipt()) + b"}{", JSON),
    ("nested 33 deep (over the limit)", nested(33), JSON),
    ("nested 5000 deep (over orjson's own limit)", nested(5000), JSON),
    ("list nested 2000 deep", b"[" * 2000 + b"]" * 2000, JSON),
    ("integer over 64 bits in smsCount", receipt_with(("payload", "smsCount"), 10**30), JSON),
    ("integer over 64 bits as umid", receipt_with(("payload", "umid"), 10**40), JSON),
    ("integer 2^63 as timestamp", receipt_with(("payload", "status", "timestamp"), 2**63), JSON),
    ("negative timestamp", receipt_with(("payload", "status", "timestamp"), -(10**15)), JSON),
    (
        "number 1e400",
        receipt_with(("payload", "smsCount"), 1).replace(b'"smsCount": 1', b'"smsCount": 1e400'),
        JSON,
    ),
    ("200k-digit number", b'{"a":' + b"9" * 200_000 + b"}", JSON),
    (
        "price 1e-99999",
        receipt_with(("payload", "price"), {"total": "1e-99999", "currency": "EUR"}),
        JSON,
    ),
    (
        "price 1e99999",
        receipt_with(("payload", "price"), {"total": "1e99999", "currency": "EUR"}),
        JSON,
    ),
    ("price NaN", receipt_with(("payload", "price"), {"total": "NaN", "currency": "EUR"}), JSON),
    ("smsCount superscript digit", receipt_with(("payload", "smsCount"), "²"), JSON),
    ("smsCount Arabic-Indic digits", receipt_with(("payload", "smsCount"), "١٢"), JSON),
    ("umid of 500k characters", receipt_with(("payload", "umid"), "u" * 500_000), JSON),
    (
        "errorMessage of 900k characters",
        receipt_with(("payload", "status", "errorMessage"), "e" * 900_000),
        JSON,
    ),
    ("unmapped key of 900k characters", receipt_with(("payload", "k" * 900_000), 1), JSON),
    ("50k keys", orjson.dumps({f"k{i}": i for i in range(50_000)}), JSON),
    ("latin-1 body", '{"namespace":"SMS","x":"café"}'.encode("latin-1"), JSON),
    (
        "latin-1 body declared as latin-1",
        '{"x":"café"}'.encode("latin-1"),
        "application/json; charset=iso-8859-1",
    ),
    ("UTF-16 LE with BOM", orjson.dumps(sms_receipt()).decode().encode("utf-16"), JSON),
    ("UTF-16 BE without BOM", orjson.dumps(sms_receipt()).decode().encode("utf-16-be"), JSON),
    ("UTF-32", orjson.dumps(sms_receipt()).decode().encode("utf-32"), JSON),
    ("UTF-8 BOM", b"\xef\xbb\xbf" + orjson.dumps(sms_receipt()), JSON),
    (
        "invalid UTF-8 in a string",
        orjson.dumps(sms_receipt()).replace(b"ACME", b"AC\xff\xfeME"),
        JSON,
    ),
    ("overlong UTF-8 encoding", b'{"namespace":"\xc0\xaf"}', JSON),
    ("lone surrogate escape", b'{"payload":{"umid":"\\ud800"}}', JSON),
    (
        "duplicate keys (last wins)",
        b'{"namespace":"SMS","namespace":"ChatApps","payload":{}}',
        JSON,
    ),
    (
        "duplicate payload keys",
        orjson.dumps(sms_receipt())[:-1] + b',"payload":{"umid":"dup"}}',
        JSON,
    ),
    ("NUL byte outside JSON", orjson.dumps(sms_receipt()) + b"\x00", JSON),
    ("raw NUL inside a string", orjson.dumps(sms_receipt()).replace(b"ACME", b"AC\x00ME"), JSON),
    ("escaped NUL in umid", receipt_with(("payload", "umid"), "abc\x00def"), JSON),
    ("escaped NUL in status", receipt_with(("payload", "status", "state"), "deliv\x00ered"), JSON),
    ("escaped NUL in an unmapped field", receipt_with(("description",), "\x00\x00"), JSON),
    ("escaped NUL as a key", receipt_with(("payload", "\x00"), "\x00"), JSON),
    ("gzip body without Content-Encoding", gzip.compress(orjson.dumps(sms_receipt())), JSON),
    ("binary junk", bytes(range(256)) * 16, JSON),
    ("XML", b"<receipt><umid>1</umid></receipt>", "application/xml"),
    (
        "multipart",
        b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--",
        "multipart/form-data; boundary=x",
    ),
    (
        "form body with invalid UTF-8",
        b"umid=%ff&status=\xff\xfe",
        "application/x-www-form-urlencoded",
    ),
    (
        "form body with 5000 fields",
        b"&".join(b"f%d=1" % i for i in range(5000)),
        "application/x-www-form-urlencoded",
    ),
    ("form body with NUL", b"umid=%00&status=delivered", "application/x-www-form-urlencoded"),
    ("no content type", orjson.dumps(sms_receipt()), None),
    ("content type garbage", orjson.dumps(sms_receipt()), ";;;=/\\"),
    (
        "content type of 10k characters",
        orjson.dumps(sms_receipt()),
        "application/json; x=" + "y" * 10_000,
    ),
    ("top-level list of 2000 receipts", orjson.dumps([sms_receipt() for _ in range(2000)]), JSON),
    ("list mixing receipts and junk", orjson.dumps([sms_receipt(), 1, "x", None]), JSON),
]
BODIES += [
    (f"SQL in {'.'.join(path)}", receipt_with(path, SQL), JSON)
    for path in (
        ("namespace",),
        ("eventType",),
        ("payload", "umid"),
        ("payload", "clientMessageId"),
        ("payload", "source"),
        ("payload", "destination"),
        ("payload", "status", "state"),
        ("payload", "status", "detail"),
        ("payload", "status", "timestamp"),
        ("payload", "status", "errorCode"),
        ("payload", "status", "errorMessage"),
        ("payload", "smsCount"),
        ("payload", "price", "total"),
        ("payload", "price", "currency"),
        ("payload", SQL),
    )
]
BODIES += [
    (f"HTML in {'.'.join(path)}", receipt_with(path, HTML), JSON)
    for path in (
        ("payload", "umid"),
        ("payload", "clientMessageId"),
        ("payload", "source"),
        ("payload", "destination"),
        ("payload", "status", "state"),
        ("payload", "status", "detail"),
        ("payload", "status", "errorCode"),
        ("payload", "status", "errorMessage"),
        ("payload", "price", "currency"),
    )
]


def assert_json_answer(response: httpx.Response) -> dict:
    assert response.status_code < 500, response.text[:300]
    answer = response.json()
    if response.status_code >= 400 or response.status_code == 202:
        assert set(answer["error"]) == {"code", "detail"}
    return answer


@pytest.mark.parametrize(
    ("raw", "content_type"), [case[1:] for case in BODIES], ids=[case[0] for case in BODIES]
)
def test_authenticated_bad_body_is_answered_in_json_and_kept(client, db, raw, content_type):
    headers = {"Content-Type": content_type} if content_type is not None else {}
    response = client.post("/webhooks/8x8", content=raw, headers=headers)
    answer = assert_json_answer(response)
    assert response.status_code in (200, 202), answer
    assert answer.get("error", {}).get("code") != "mapping_error"  # the engine itself failed
    assert stored_bodies(db) == [
        (raw, "receipt" if response.status_code == 200 else answer_outcome(answer))
    ]


def answer_outcome(answer: dict) -> str:
    return "quarantined" if answer.get("quarantined") else "ignored"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [case[1:] for case in BODIES[:12]],
    ids=[case[0] for case in BODIES[:12]],
)
def test_strict_refusal_is_a_json_422(client, db, raw, content_type):
    response = client.post(
        "/webhooks/8x8",
        content=raw,
        params={"strict": "1"},
        headers={"Content-Type": content_type or ""},
    )
    assert_json_answer(response)
    assert response.status_code in (200, 422)


def test_sql_in_every_field_is_stored_verbatim_and_harms_nothing(client, db):
    umid = new_umid()
    body = sms_receipt(umid, detail=SQL, error_code=15, error_message=SQL, client_message_id=SQL)
    body["payload"]["source"] = SQL
    assert client.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200
    row = db.execute(
        "SELECT provider_detail, error_message, client_message_id, sender FROM receipts"
        " WHERE message_id = %s",
        (umid,),
    ).fetchone()
    assert row == (SQL, SQL, SQL, SQL)


def test_html_is_stored_as_text_not_interpreted(client, db):
    umid = new_umid()
    body = sms_receipt(umid, state=HTML, detail=HTML)
    answer = client.post("/webhooks/8x8", content=orjson.dumps(body))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    row = db.execute("SELECT provider_status, status FROM receipts").fetchone()
    assert row == (HTML, "unknown")


def test_price_with_an_enormous_exponent_is_rounded_not_a_500(client, db):
    body = sms_receipt(price=1)
    body["payload"]["price"]["total"] = "1e-99999"
    assert client.post("/webhooks/8x8", content=orjson.dumps(body)).status_code == 200
    assert db.execute("SELECT price FROM receipts").fetchone()[0] == 0


def test_body_over_the_limit_without_content_length_is_413_and_stores_nothing(client, db, config):
    chunks = (b"x" * 65536 for _ in range(config.max_body // 65536 + 2))
    response = client.post("/webhooks/8x8", content=chunks)
    assert response.status_code == 413
    assert_json_answer(response)
    assert stored_bodies(db) == []


def raw_request(
    base_url: str, method: str, target: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes]:
    """http.client sends what httpx would refuse to (NUL in a header, odd paths)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_nul_in_content_type_header_is_kept_without_the_nul(live_server, db):
    status, answer = raw_request(
        live_server.url,
        "POST",
        "/webhooks/8x8",
        {"Authorization": f"Bearer {WEBHOOK_SECRET}", "Content-Type": "application/json\x00evil"},
        orjson.dumps(sms_receipt()),
    )
    assert status in (200, 202), answer
    assert (
        db.execute("SELECT content_type FROM webhook_bodies").fetchone()[0]
        == "application/jsonevil"
    )


@pytest.mark.parametrize(
    "target",
    [
        "/webhooks/%00",
        "/webhooks/a%00b",
        "/webhooks/" + "c" * 300,
        "/webhooks/%ff%fe",
        "/webhooks/..%2f..%2fetc",
        "/webhooks/%3Cscript%3E",
    ],
)
def test_path_that_names_no_connector_is_json_404_and_stores_nothing(live_server, db, target):
    status, answer = raw_request(
        live_server.url, "POST", target, {"Authorization": f"Bearer {WEBHOOK_SECRET}"}, b"{}"
    )
    assert status == 404
    assert set(orjson.loads(answer)["error"]) == {"code", "detail"}
    assert stored_bodies(db) == []


AUTHORIZATIONS: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("no header", {}, {}),
    ("empty bearer", {"Authorization": "Bearer "}, {}),
    ("bearer with NUL", {"Authorization": f"Bearer {WEBHOOK_SECRET}\x00"}, {}),
    ("secret prefix", {"Authorization": f"Bearer {WEBHOOK_SECRET[:-1]}"}, {}),
    ("secret with suffix", {"Authorization": f"Bearer {WEBHOOK_SECRET}x"}, {}),
    ("basic with invalid base64", {"Authorization": "Basic !!!notbase64"}, {}),
    ("basic without colon", {"Authorization": "Basic " + "c2VjcmV0"}, {}),
    ("basic with latin-1 bytes", {"Authorization": "Basic /w=="}, {}),
    ("unknown scheme", {"Authorization": f"Token {WEBHOOK_SECRET}"}, {}),
    ("SQL as secret", {"Authorization": f"Bearer {SQL}"}, {}),
    ("6 KiB bearer", {"Authorization": "Bearer " + "a" * 6000}, {}),
    ("token with NUL", {}, {"token": "\x00"}),
    ("token of 10k characters", {}, {"token": "t" * 10_000}),
    ("token given twice, first wrong", {}, {"token": ["wrong-wrong-wrong-wrong", WEBHOOK_SECRET]}),
]


@pytest.mark.parametrize(
    ("headers", "params"),
    [case[1:] for case in AUTHORIZATIONS],
    ids=[case[0] for case in AUTHORIZATIONS],
)
def test_bad_credentials_are_json_401_and_store_nothing(live_server, db, headers, params):
    target = "/webhooks/8x8?" + urlencode(params, doseq=True)
    status, answer = raw_request(
        live_server.url, "POST", target, headers, orjson.dumps(sms_receipt())
    )
    assert status == 401
    assert orjson.loads(answer)["error"]["code"] == "unauthorized"
    assert stored_bodies(db) == []


WRONG_METHODS: list[tuple[str, Callable[[httpx.Client], httpx.Response]]] = [
    ("PUT", lambda c: c.put("/webhooks/8x8", content=b"{}")),
    ("DELETE", lambda c: c.delete("/webhooks/8x8")),
    ("PATCH", lambda c: c.patch("/webhooks/8x8", content=b"{}")),
]


@pytest.mark.parametrize(
    "send", [case[1] for case in WRONG_METHODS], ids=[case[0] for case in WRONG_METHODS]
)
def test_wrong_method_is_json_405_and_stores_nothing(client, db, send):
    response = send(client)
    assert response.status_code == 405
    assert_json_answer(response)
    assert stored_bodies(db) == []
