"""The MoEngage delivery-tracking client: one POST per forward over a pooled connection.

It never raises for what MoEngage (or the network) answers: every try ends in a
`MoEngageReply`, which the retry policy turns into done, later or dead.
"""

from __future__ import annotations

import email.utils
import math
import time
from dataclasses import dataclass

import httpx

# MoEngage accepts delivery-tracking bodies up to 150 KB.
MAX_BODY_BYTES = 150 * 1024
# What is kept of an error answer's body, for the operator (last_error).
ANSWER_EXCERPT = 500
USER_AGENT = "receipts/0.1 (+8x8 delivery receipts)"


@dataclass(frozen=True, slots=True)
class MoEngageReply:
    """How one try ended: an HTTP status, or no answer at all (`http_status` None)."""

    http_status: int | None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False  # no try can ever succeed (the body itself is unsendable)


class MoEngageClient:
    """Thread-safe: one client, many concurrent sends, up to `connections` sockets."""

    def __init__(
        self,
        url: str,
        authorization: str | None = None,
        timeout: float = 10.0,
        connections: int = 16,
    ) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if authorization:
            headers["Authorization"] = authorization
        self.url = url
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            follow_redirects=False,
        )

    def send(self, body: str | bytes) -> MoEngageReply:
        """POST one forward's JSON body; an answer for every outcome, never an exception."""
        content = body.encode() if isinstance(body, str) else body
        if len(content) > MAX_BODY_BYTES:
            return MoEngageReply(
                None, f"body of {len(content)} bytes is over MoEngage's 150 KB", permanent=True
            )
        try:
            response = self._http.post(self.url, content=content)
        except httpx.TimeoutException as error:
            return MoEngageReply(None, f"timeout: {type(error).__name__}")
        except httpx.HTTPError as error:
            return MoEngageReply(None, f"{type(error).__name__}: {error}"[:ANSWER_EXCERPT])
        if response.is_success:
            return MoEngageReply(response.status_code)
        return MoEngageReply(
            response.status_code,
            response.text[:ANSWER_EXCERPT] or response.reason_phrase,
            retry_after_seconds(response.headers.get("Retry-After")),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MoEngageClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)  # delta-seconds (a fraction too, leniently)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)
