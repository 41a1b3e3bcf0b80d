"""The webhook secret, as 8x8 sends it: a Bearer or Basic `Authorization` header
(`httpAuthorization` in the 8x8 webhook), or `?token=` on a per-message `dlrCallbackUrl`."""

from __future__ import annotations

import base64
import binascii

from flask import Request

from receipts.credentials import matches_any


def presented_secret(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return request.args.get("token")


def is_authenticated(request: Request, secrets: tuple[str, ...]) -> bool:
    return matches_any(presented_secret(request), secrets)
