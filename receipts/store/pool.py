"""The connection pool: one per process, opened after gunicorn forks."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

# Waiting longer than this for a connection answers 503: 8x8 retries, WhatsApp gives up at 5 s.
CONNECT_TIMEOUT = 2.0


def open_pool(url: str, max_size: int = 8, timeout: float = CONNECT_TIMEOUT) -> ConnectionPool:
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout))},
        open=False,
        name="receipts",
    )
    pool.open(wait=False)
    return pool
