"""RECEIPTS_ALLOWED_NETWORKS: only 8x8's published addresses may call, through our own proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace

import httpx
import orjson
import pytest

from receipts import create_app
from receipts.config import Config, ConfigError
from receipts.webhooks.networks import caller_address
from tests.support.bodies import sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.live_server import LiveServer

# 8x8's Asia-Pacific webhook sources (shared/samples/8x8/README.md) and a documentation range.
EIGHT_BY_EIGHT = "52.220.117.120"
OUTSIDER = "198.51.100.7"
ALLOWED = "52.220.117.120/32,52.220.109.9,18.136.13.204,2001:db8:8::/48"
LOOPBACK = "127.0.0.1/32,::1"


def networks(text: str) -> tuple:
    return Config.from_env({"RECEIPTS_ALLOWED_NETWORKS": text}).allowed_networks


def serve(config: Config) -> Iterator[httpx.Client]:
    server = LiveServer(create_app(config))
    headers = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
            yield http
    finally:
        server.close()


@pytest.fixture(scope="module")
def behind_proxy(config: Config) -> Iterator[httpx.Client]:
    """The app behind a proxy on loopback that appends the caller to X-Forwarded-For."""
    yield from serve(
        replace(config, allowed_networks=networks(ALLOWED), trusted_proxies=networks(LOOPBACK))
    )


@pytest.fixture(scope="module")
def exposed(config: Config) -> Iterator[httpx.Client]:
    """The app called directly: no proxy is trusted, so X-Forwarded-For means nothing."""
    yield from serve(replace(config, allowed_networks=networks(ALLOWED)))


def post(http: httpx.Client, forwarded_for: str | None = None, **headers: str) -> httpx.Response:
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return http.post("/webhooks/8x8", content=orjson.dumps(sms_receipt()), headers=headers)


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM webhook_bodies").fetchone()[0]


def test_allowed_source_through_a_trusted_proxy_is_accepted(behind_proxy, db):
    assert post(behind_proxy, EIGHT_BY_EIGHT).status_code == 200
    assert stored(db) == 1


def test_source_outside_the_allow_list_is_403_json_and_stores_nothing(behind_proxy, db):
    response = post(behind_proxy, OUTSIDER)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden_source"
    assert stored(db) == 0


def test_the_proxy_itself_is_not_an_allowed_source(behind_proxy, db):
    assert post(behind_proxy).status_code == 403
    assert stored(db) == 0


def test_an_allowed_address_spoofed_left_of_the_real_caller_is_refused(behind_proxy, db):
    assert post(behind_proxy, f"{EIGHT_BY_EIGHT}, {OUTSIDER}").status_code == 403
    assert stored(db) == 0


def test_chained_trusted_proxies_are_skipped_right_to_left(behind_proxy, db):
    assert post(behind_proxy, f"{OUTSIDER}, {EIGHT_BY_EIGHT}, 127.0.0.1").status_code == 200


def test_unreadable_forwarded_hop_is_refused(behind_proxy, db):
    assert post(behind_proxy, "not-an-address").status_code == 403
    assert stored(db) == 0


def test_allowed_source_with_a_wrong_secret_is_still_401(behind_proxy, db):
    response = post(behind_proxy, EIGHT_BY_EIGHT, Authorization="Bearer wrong-secret-0000000")
    assert response.status_code == 401
    assert stored(db) == 0


def test_refused_source_learns_nothing_about_the_secret(behind_proxy, db):
    wrong = post(behind_proxy, OUTSIDER, Authorization="Bearer wrong-secret-0000000")
    right = post(behind_proxy, OUTSIDER)
    assert wrong.status_code == right.status_code == 403
    assert wrong.json() == right.json()


def test_forwarded_for_from_an_untrusted_peer_is_ignored(exposed, db):
    assert post(exposed, EIGHT_BY_EIGHT).status_code == 403
    assert stored(db) == 0


def test_health_and_api_are_not_behind_the_webhook_allow_list(exposed):
    assert exposed.get("/healthz").status_code == 200


def test_no_allow_list_accepts_any_source(client, db):
    assert post(client, OUTSIDER).status_code == 200


def test_ipv6_caller_inside_an_allowed_prefix(db):
    address = caller_address("::1", "2001:db8:8::42", networks(LOOPBACK))
    assert address == ipaddress.ip_address("2001:db8:8::42")
    assert address in networks(ALLOWED)[-1]


def test_ipv4_mapped_peer_is_read_as_ipv4():
    assert caller_address("::ffff:52.220.117.120", None, ()) == ipaddress.ip_address(EIGHT_BY_EIGHT)


def test_forwarded_hop_with_a_port_is_read_without_it():
    assert caller_address("127.0.0.1", "52.220.117.120:4711", networks(LOOPBACK)) == (
        ipaddress.ip_address(EIGHT_BY_EIGHT)
    )


@pytest.mark.parametrize("variable", ["RECEIPTS_ALLOWED_NETWORKS", "RECEIPTS_TRUSTED_PROXIES"])
def test_bad_cidr_names_the_variable(variable):
    with pytest.raises(ConfigError, match=f"{variable}: '10.0.0.0/33' is not an address or CIDR"):
        Config.from_env({variable: "10.0.0.0/8, 10.0.0.0/33"})
