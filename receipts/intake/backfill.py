"""`receipts import`: historical webhook bodies (NDJSON, gzip or not) through the same mappings.

Each line is one webhook body, treated as the webhook would treat it: mapped, or quarantined
with the reason (nothing is dropped). Lines are stored in batches, each COPYed into staging and
stored set-based in one transaction, so a failed import can be run again: receipts already
stored are skipped by the same key the webhook deduplicates with. A batch is in flight on each
connection given while the next is mapped: one PostgreSQL backend storing was the bottleneck.
"""

from __future__ import annotations

import gzip
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import psycopg

from receipts.exceptions import ReceiptsError
from receipts.intake.bodies import parse_body
from receipts.mapping.compile import Unmappable
from receipts.mapping.engine import MappingSet
from receipts.store import importing
from receipts.store.deadlocks import run_again_on_deadlock
from receipts.store.importing import StagedBody

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
BATCH_LINES = 20_000
# Batches stored at once, one per connection: on two cores two gave 1.6x one, three less than two.
# Two import batches take their locks in one order (finish_receipt_import); one can still
# deadlock with a webhook's batch, and is then stored again.
STORE_CONNECTIONS = 2


@contextmanager
def store_connections(url: str) -> Iterator[list[psycopg.Connection]]:
    """The connections `import_files` stores on: one per batch in flight, autocommit."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(psycopg.connect(url, autocommit=True))
            for _ in range(STORE_CONNECTIONS)
        ]


class BackfillError(ReceiptsError, ValueError):
    """An import that cannot start (no mapping for the connector, an unreadable file)."""


@dataclass
class ImportSummary:
    files: int = 0
    lines: int = 0
    blank: int = 0
    receipts: int = 0  # mapped from the lines
    stored: int = 0  # new in the database
    duplicates: int = 0  # already there (or twice in the files)
    quarantined: int = 0
    ignored: int = 0
    forwards: int = 0
    seconds: float = 0.0
    storing_seconds: float = 0.0  # in PostgreSQL (COPY and set-based SQL), summed over connections

    def line(self) -> str:
        rate = self.receipts / self.seconds if self.seconds else 0.0
        return (
            f"imported {self.lines} lines from {self.files} file(s): {self.stored} receipts stored,"
            f" {self.duplicates} duplicates skipped, {self.quarantined} quarantined,"
            f" {self.ignored} ignored, {self.forwards} forwards queued"
            f" in {self.seconds:.1f}s ({rate:,.0f} receipts/s)"
        )


@dataclass
class _Batch:
    bodies: list[StagedBody] = field(default_factory=list)
    receipts: list[tuple] = field(default_factory=list)
    months: set[date] = field(default_factory=set)


def open_ndjson(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(lines, raw file): gzip is recognized by its magic bytes or a .gz name."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise BackfillError(f"{path}: {error.strerror}") from None
    if raw.read(2) == GZIP_MAGIC or path.suffix == ".gz":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw  # type: ignore[return-value]
    raw.seek(0)
    return raw, raw


def _lines(path: Path, progress: Callable[[int], None]) -> Iterator[bytes]:
    lines, raw = open_ndjson(path)
    position = 0
    try:
        for number, line in enumerate(lines, 1):
            yield line.rstrip(b"\r\n")
            if number % 1000 == 0:
                progress(raw.tell() - position)
                position = raw.tell()
        progress(raw.tell() - position)
    except (OSError, EOFError) as error:  # a truncated or corrupt gzip stream
        raise BackfillError(f"{path}: {error}") from None
    finally:
        lines.close()
        raw.close()


def _stage(
    batch: _Batch, summary: ImportSummary, mappings: MappingSet, connector: str, line: bytes
) -> None:
    number = len(batch.bodies) + 1
    try:
        mapped = mappings.map_body(connector, parse_body(line, "application/json"))
    except Unmappable as error:
        summary.quarantined += 1
        batch.bodies.append(
            StagedBody(number, connector, line, "quarantined", None, 0, error.code, error.detail)
        )
        return
    except Exception as error:  # as in the webhook: a mapping bug must not lose the line
        log.exception("mapping failed for connector %s", connector)
        summary.quarantined += 1
        detail = f"{type(error).__name__} while mapping"
        batch.bodies.append(
            StagedBody(number, connector, line, "quarantined", None, 0, "mapping_error", detail)
        )
        return
    if mapped.ignored:
        summary.ignored += 1
        batch.bodies.append(StagedBody(number, connector, line, "ignored", mapped.mapping))
        return
    summary.receipts += len(mapped.receipts)
    batch.bodies.append(
        StagedBody(number, connector, line, "receipt", mapped.mapping, len(mapped.receipts))
    )
    for receipt in mapped.receipts:
        batch.receipts.append(importing.receipt_row(number, connector, mapped.mapping, receipt))
        if receipt.event_at is not None:
            batch.months.add(date(receipt.event_at.year, receipt.event_at.month, 1))


def import_files(
    connections: Sequence[psycopg.Connection],
    mappings: MappingSet,
    paths: Sequence[Path],
    connector: str = "8x8",
    forward_mode: str = "final",
    forward: bool = False,
    progress: Callable[[int], None] = lambda size: None,
    batch_lines: int = BATCH_LINES,
) -> ImportSummary:
    """Import every line of every file; `progress` is told how many file bytes were read.

    Each connection (autocommit) stores one batch at a time."""
    if not mappings.for_connector(connector):
        raise BackfillError(f"--connector: no mapping file for connector {connector!r}")
    started = time.monotonic()
    summary = ImportSummary()
    counting = threading.Lock()
    idle: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()
    for conn in connections:
        idle.put(conn)
    partitioned: set[date] = set()

    @contextmanager
    def borrowed() -> Iterator[psycopg.Connection]:
        conn = idle.get()
        try:
            yield conn
        finally:
            idle.put(conn)

    def store(batch: _Batch) -> None:
        with borrowed() as conn:
            began = time.monotonic()
            result = run_again_on_deadlock(
                lambda: importing.store_batch(
                    conn, batch.bodies, batch.receipts, forward_mode, forward
                ),
                "an import batch",
            )
        with counting:
            summary.stored += result.stored
            summary.duplicates += result.duplicates
            summary.forwards += result.forwards
            summary.storing_seconds += time.monotonic() - began

    # Batches are stored (PostgreSQL working, this process mostly waiting) while the next is
    # mapped: the two halves of the work overlap instead of taking turns.
    with ThreadPoolExecutor(len(connections), thread_name_prefix="import-store") as storer:
        storing: deque[Future] = deque()

        def flush(batch: _Batch) -> None:
            while len(storing) >= len(connections):
                storing.popleft().result()
            if batch.months - partitioned:
                # Between batches, so no two storers create the same month's partition.
                with borrowed() as conn:
                    importing.ensure_partitions(conn, batch.months - partitioned)
                partitioned.update(batch.months)
            storing.append(storer.submit(store, batch))

        for path in paths:
            summary.files += 1
            batch = _Batch()
            for line in _lines(path, progress):
                if not line.strip():
                    summary.blank += 1
                    continue
                summary.lines += 1
                _stage(batch, summary, mappings, connector, line)
                if len(batch.bodies) >= batch_lines:
                    flush(batch)
                    batch = _Batch()
            if batch.bodies:
                flush(batch)
        while storing:
            storing.popleft().result()
    summary.seconds = time.monotonic() - started
    return summary
