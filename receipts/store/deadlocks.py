"""A transaction PostgreSQL rolled back to break a deadlock is simply run again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import psycopg

log = logging.getLogger(__name__)

T = TypeVar("T")

# Each try rolls back whole, so running it again is safe; a fourth deadlock in a row is not
# chance, and is raised.
RETRIES = 3


def run_again_on_deadlock(transaction: Callable[[], T], what: str) -> T:
    """Run `transaction` (one whole transaction), again if it lost a deadlock."""
    for attempt in range(RETRIES + 1):
        try:
            return transaction()
        except psycopg.errors.DeadlockDetected:
            if attempt == RETRIES:
                raise
            log.warning("%s deadlocked; running it again", what)
    raise AssertionError("unreachable")
