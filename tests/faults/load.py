"""8x8 as the fault tests play it: client threads posting receipts, then retrying the failures."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import orjson
import psycopg

from tests.support.bodies import new_umid, sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.waiting import wait_for

HEADERS = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
NO_ANSWER = 0  # connection refused or reset: the status 8x8 would see as a timeout


class Load:
    """Posts distinct receipts from several threads until `limit` or `stop()`; keeps every answer.

    `url` is read for every request, so the target can be changed while the load runs.
    """

    def __init__(self, url: str, threads: int = 8, limit: int = 100_000) -> None:
        self.url = url
        self.bodies: list[bytes] = []
        self.umids: list[str] = []
        self.answers: list[int | None] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._numbers: Iterator[int] = iter(range(limit))
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self) -> int | None:
        with self._lock:
            if self._stop.is_set():
                return None
            number = next(self._numbers, None)
            if number is None:
                return None
            umid = new_umid()
            self.umids.append(umid)
            self.bodies.append(orjson.dumps(sms_receipt(umid)))
            self.answers.append(None)
            return number

    def _run(self) -> None:
        with httpx.Client(headers=HEADERS, timeout=10) as http:
            while (number := self._next()) is not None:
                self.answers[number] = post(http, self.url, self.bodies[number])

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
            assert not thread.is_alive(), "a client thread is stuck"

    def wait(self) -> None:
        """Until every receipt the load will send has an answer."""
        for thread in self._threads:
            thread.join(120)
            assert not thread.is_alive(), "a client thread is stuck"

    def count(self, status: int) -> int:
        return sum(1 for answer in list(self.answers) if answer == status)

    def wait_until(self, condition: Callable[[Load], bool], timeout: float = 60) -> None:
        wait_for(lambda: condition(self), timeout=timeout)

    def statuses(self) -> Counter:
        return Counter(self.answers)

    def acknowledged(self) -> list[str]:
        return [
            umid for umid, answer in zip(self.umids, self.answers, strict=True) if answer == 200
        ]

    def unacknowledged(self) -> list[int]:
        return [number for number, answer in enumerate(self.answers) if answer != 200]

    def retry_unacknowledged(self, url: str, timeout: float = 60) -> int:
        """8x8's retries: each body not answered 200 is sent again until it is; returns how many."""
        pending = self.unacknowledged()
        with httpx.Client(headers=HEADERS, timeout=10) as http:
            for number in pending:
                body = self.bodies[number]
                wait_for(lambda body=body: post(http, url, body) == 200, timeout=timeout)
                self.answers[number] = 200
        return len(pending)


def post(http: httpx.Client, url: str, body: bytes) -> int:
    try:
        return http.post(f"{url}/webhooks/8x8", content=body).status_code
    except httpx.TransportError:
        return NO_ANSWER


def stored_umids(conn: psycopg.Connection, umids: list[str]) -> Counter:
    """How many receipts the database holds for each of these message ids."""
    rows = conn.execute(
        "SELECT message_id, count(*) FROM receipts WHERE message_id = ANY(%s) GROUP BY 1",
        (umids,),
    ).fetchall()
    return Counter(dict(rows))


def assert_every_acknowledged_receipt_is_stored(conn: psycopg.Connection, load: Load) -> None:
    acknowledged = load.acknowledged()
    stored = stored_umids(conn, acknowledged)
    missing = [umid for umid in acknowledged if stored[umid] == 0]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} answered 200 are not stored"


def assert_each_receipt_stored_exactly_once(conn: psycopg.Connection, load: Load) -> None:
    stored = stored_umids(conn, load.umids)
    assert sorted(stored.values()) == [1] * len(load.umids), Counter(stored.values())
