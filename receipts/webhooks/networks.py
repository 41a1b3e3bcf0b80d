"""Which networks may call the webhook (`RECEIPTS_ALLOWED_NETWORKS`), behind which proxies.

`X-Forwarded-For` is whatever the caller wrote, so it is believed only for the hops added by
proxies we run (`RECEIPTS_TRUSTED_PROXIES`): read right to left, the first address that is not
a trusted proxy is the caller. Without trusted proxies the TCP peer is the caller.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from receipts.config import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str | None) -> Address | None:
    """An address as a peer or a forwarded hop spells it; IPv4-mapped IPv6 becomes IPv4."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def caller_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[Network]
) -> Address | None:
    """The address that called us, or None when it cannot be told (refused by the caller)."""
    address = parse_address(peer)
    if address is None or not forwarded_for or not _within(address, trusted_proxies):
        return address
    for hop in reversed(forwarded_for.split(",")):
        address = parse_address(hop)
        if address is None:
            return None
        if not _within(address, trusted_proxies):
            return address
    return address


def is_allowed_source(
    peer: str | None,
    forwarded_for: str | None,
    allowed: Sequence[Network],
    trusted_proxies: Sequence[Network],
) -> bool:
    """True when no allow-list is configured, or the caller's address is inside it."""
    if not allowed:
        return True
    address = caller_address(peer, forwarded_for, trusted_proxies)
    return address is not None and _within(address, allowed)
