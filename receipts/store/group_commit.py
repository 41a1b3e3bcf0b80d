"""Group commit: the receipts of concurrent requests committed in one transaction.

No thread of its own: the request that finds no commit in flight leads. It takes everything
waiting (its own body first), stores it with one `ingest_bodies` statement (one round trip,
one transaction, one WAL flush), and only after that statement has committed wakes each
request of the batch with its own result, so a 200 still means committed. Requests that
arrive meanwhile queue up; the leader hands the lead to the first of them and answers its
own request. A lone request commits its own body on its own thread, with no hand-off at
all, and batches grow only while a commit is in flight, which is exactly when there are
requests to share it. (PostgreSQL's WAL flush and MySQL's binlog group commit work alike.)

Under gevent workers (`receipts serve`'s) each request is a greenlet and threading's locks
are gevent's, so a request asleep here costs a greenlet switch; under gthread, a thread's.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Protocol

import psycopg
from psycopg_pool import ConnectionPool

from receipts.exceptions import ReceiptsError
from receipts.store import ingest
from receipts.store.deadlocks import run_again_on_deadlock
from receipts.store.ingest import BodyToIngest, Ingested

MAX_BATCH = 64


class CommitterStopped(ReceiptsError, RuntimeError):
    """The committer was closed; the request is answered as if the database were away."""


class Tally(Protocol):
    """Where the committer counts its queue (a Prometheus gauge under `receipts serve`)."""

    def inc(self, amount: float = 1) -> None: ...

    def dec(self, amount: float = 1) -> None: ...


class _Uncounted:
    def inc(self, amount: float = 1) -> None:
        pass

    def dec(self, amount: float = 1) -> None:
        pass


class _Waiting:
    """One request's body; its thread sleeps on `_wake` until it has a result or the lead."""

    __slots__ = ("_wake", "error", "item", "leads", "result")

    def __init__(self, item: BodyToIngest) -> None:
        self.item = item
        self.result: Ingested | None = None
        self.error: BaseException | None = None
        self.leads = False
        # A held lock is the cheapest one-shot signal: one futex, no condition variable.
        self._wake = threading.Lock()
        self._wake.acquire()

    def sleep(self) -> None:
        self._wake.acquire()

    def wake(self) -> None:
        self._wake.release()

    def answer(self) -> Ingested:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class GroupCommitter:
    """One per process, shared by its requests (greenlets or threads)."""

    def __init__(
        self,
        pool: ConnectionPool,
        forward_mode: str,
        max_batch: int = MAX_BATCH,
        queued: Tally | None = None,
    ) -> None:
        self._pool = pool
        self._forward_mode = forward_mode
        self._max_batch = max_batch
        self._queued = queued if queued is not None else _Uncounted()  # equal to `waiting`
        self._lock = threading.Lock()
        self._queue: deque[_Waiting] = deque()
        self._leader = False  # a request is committing a batch; the queue waits for it
        self._closed = False
        self.batches = 0
        self.bodies = 0

    def ingest(self, item: BodyToIngest) -> Ingested:
        """Store one body with whatever else is waiting; returns once it is committed.

        Raises what the database raised (the caller answers 503 for connection trouble)."""
        waiting = _Waiting(item)
        with self._lock:
            if self._closed:
                raise CommitterStopped("the group committer is closed")
            self._queue.append(waiting)
            self._queued.inc()
            waiting.leads = not self._leader
            self._leader = True
        if not waiting.leads:
            waiting.sleep()  # until committed, or handed the lead
        if waiting.leads:
            self._lead()
        return waiting.answer()

    @property
    def waiting(self) -> int:
        """Bodies handed in and not yet taken into a batch."""
        with self._lock:
            return len(self._queue)

    def close(self) -> None:
        """Refuse new bodies; batches in flight finish and answer their requests."""
        with self._lock:
            self._closed = True

    def _lead(self) -> None:
        """Commit the head of the queue (the leader's body first), then pass the lead on."""
        with self._lock:
            taken = min(len(self._queue), self._max_batch)
            batch = [self._queue.popleft() for _ in range(taken)]
            self._queued.dec(taken)
        try:
            self._commit(batch)
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                if successor is None:
                    self._leader = False
                else:
                    successor.leads = True
            for waiting in batch[1:]:
                waiting.wake()
            if successor is not None:
                successor.wake()

    def _commit(self, batch: list[_Waiting]) -> None:
        try:
            results = self._store(batch)
        except (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError) as error:
            # One body the database refuses must not fail the others: store them one by one.
            if len(batch) > 1:
                for waiting in batch:
                    self._commit([waiting])
                return
            batch[0].error = error
        except BaseException as error:  # every waiting request must wake, whatever happened
            for waiting in batch:
                waiting.error = error
        else:
            self.batches += 1
            self.bodies += len(batch)
            for waiting, result in zip(batch, results, strict=True):
                waiting.result = result

    def _store(self, batch: list[_Waiting]) -> list[Ingested]:
        items = [waiting.item for waiting in batch]

        def store() -> list[Ingested]:
            with self._pool.connection() as conn:
                return ingest.ingest_bodies(conn, items, self._forward_mode)

        # A deadlock between two batches rolls back one of them whole.
        return run_again_on_deadlock(store, "a group commit")
