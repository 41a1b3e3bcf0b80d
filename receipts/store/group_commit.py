"""Group commit: the receipts of concurrent requests committed in one transaction.

A web worker's request threads hand their bodies to one committer thread and wait. The
committer takes everything waiting, stores it with one `ingest_bodies` statement (one round
trip, one transaction, one WAL flush), and only after that statement has committed wakes
each request with its own result, so a 200 still means committed. Nothing waits for a batch
to fill: a lone request is committed at once, and batches grow only while a commit is in
flight, which is exactly when there are requests to share it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import ConnectionPool

from receipts.store import queries
from receipts.store.queries import BodyToIngest, Ingested

log = logging.getLogger(__name__)

MAX_BATCH = 64
# A deadlock between two batches rolls back one of them whole; it is simply run again.
DEADLOCK_RETRIES = 3


class CommitterStopped(RuntimeError):
    """The committer was closed; the request is answered as if the database were away."""


@dataclass(slots=True)
class _Waiting:
    item: BodyToIngest
    done: threading.Event = field(default_factory=threading.Event)
    result: Ingested | None = None
    error: BaseException | None = None


class GroupCommitter:
    """One per process; its thread starts on first use, so it is born after gunicorn forks."""

    def __init__(self, pool: ConnectionPool, forward_mode: str, max_batch: int = MAX_BATCH) -> None:
        self._pool = pool
        self._forward_mode = forward_mode
        self._max_batch = max_batch
        self._queue: deque[_Waiting] = deque()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.batches = 0
        self.bodies = 0

    def ingest(self, item: BodyToIngest) -> Ingested:
        """Store one body with whatever else is waiting; returns once it is committed.

        Raises what the database raised (the caller answers 503 for connection trouble)."""
        waiting = _Waiting(item)
        with self._wakeup:
            if self._closed:
                raise CommitterStopped("the group committer is closed")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="receipts-group-commit", daemon=True
                )
                self._thread.start()
            self._queue.append(waiting)
            self._wakeup.notify()
        waiting.done.wait()
        if waiting.error is not None:
            raise waiting.error
        assert waiting.result is not None
        return waiting.result

    @property
    def waiting(self) -> int:
        """Bodies handed in and not yet taken into a batch."""
        with self._wakeup:
            return len(self._queue)

    def close(self) -> None:
        """Commit what is already waiting, then stop the thread."""
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._queue and not self._closed:
                    self._wakeup.wait()
                if not self._queue:
                    return
                taken = min(len(self._queue), self._max_batch)
                batch = [self._queue.popleft() for _ in range(taken)]
            self._commit(batch)

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            results = self._store(batch)
        except (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError) as error:
            # One body the database refuses must not fail the others: store them one by one.
            if len(batch) > 1:
                for waiting in batch:
                    self._commit([waiting])
                return
            self._finish(batch, error=error)
        except BaseException as error:  # every waiting request must wake, whatever happened
            self._finish(batch, error=error)
        else:
            self.batches += 1
            self.bodies += len(batch)
            for waiting, result in zip(batch, results, strict=True):
                waiting.result = result
            self._finish(batch)

    def _store(self, batch: list[_Waiting]) -> list[Ingested]:
        items = [waiting.item for waiting in batch]
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                with self._pool.connection() as conn:
                    return queries.ingest_bodies(conn, items, self._forward_mode)
            except psycopg.errors.DeadlockDetected:
                if attempt == DEADLOCK_RETRIES:
                    raise
                log.warning("group commit deadlocked; running the batch again")
        raise AssertionError("unreachable")

    @staticmethod
    def _finish(batch: list[_Waiting], error: BaseException | None = None) -> None:
        for waiting in batch:
            waiting.error = error
            waiting.done.set()
