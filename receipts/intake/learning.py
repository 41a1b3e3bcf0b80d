"""Mappings learned from a connector's own receipts, for connectors no file fully describes.

The first bodies a connector sends are its samples: each of its first LEARN_FROM bodies runs
detection again over the stored ones, and a changed result becomes a new recorded version.
After that the mapping is settled and each process keeps it in memory. The versions live in
the store, so every gunicorn worker on every machine maps by the same one, and each receipt
records which version produced it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from receipts.intake.bodies import parse_body
from receipts.mapping.compile import CompiledMapping, Unmappable, compile_mapping
from receipts.mapping.detection import DetectedMapping, detect_mapping
from receipts.mapping.files import AUTO, MappingFileError, MappingSpec, parse_mapping
from receipts.mapping.vocabularies import load_vocabularies
from receipts.store import detected

LEARN_FROM = 20
log = logging.getLogger(__name__)


class Learner:
    """The engine's `DetectedMappingSource`: a detected mapping for a connector with no file,
    or for a file with `auto = true`."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._settled: dict[str, CompiledMapping] = {}

    def __call__(self, connector: str, spec: MappingSpec | None, body: Any) -> CompiledMapping:
        key = connector if spec is None else f"{connector}/{spec.name}"
        settled = self._settled.get(key)
        if settled is not None:
            return settled
        with self._pool.connection() as conn:
            row = detected.latest(conn, key)
            if row is None or row.sample_count < LEARN_FROM:
                row = self._learn(conn, key, row, body) or row
        if row is None:
            raise Unmappable(
                "no_mapping", f"no mapping file for {connector!r}; detection found none"
            )
        compiled = _compile(row, spec)
        if row.sample_count >= LEARN_FROM:
            self._settled[key] = compiled
        return compiled

    def _learn(
        self, conn: psycopg.Connection, key: str, current: detected.DetectedRow | None, body: Any
    ) -> detected.DetectedRow | None:
        connector = key.split("/", 1)[0]
        samples = [body, *_stored_samples(conn, connector, LEARN_FROM - 1)]
        found = detect_mapping(samples)
        if not found.is_receipt:
            return None
        text = _with_vocabulary(found).to_toml(name=key.replace("/", "-"), status_match=False)
        if current is not None and current.mapping == text:
            detected.count_samples(conn, key, current.version, len(samples))
            return dataclasses.replace(
                current, sample_count=max(current.sample_count, len(samples))
            )
        row = detected.DetectedRow(
            key, (current.version if current else 0) + 1, text, found.to_dict(), len(samples)
        )
        if not detected.record(conn, row):  # another process recorded this version first
            return detected.latest(conn, key)
        log.info("detected mapping %s v%d from %d samples", key, row.version, len(samples))
        return row


def _stored_samples(conn: psycopg.Connection, connector: str, limit: int) -> list[Any]:
    samples = []
    for raw, content_type in detected.recent_bodies(conn, connector, limit):
        try:
            samples.append(parse_body(bytes(raw), content_type))
        except Unmappable:
            continue
    return samples


def _with_vocabulary(found: DetectedMapping) -> DetectedMapping:
    """Values not seen yet still map: every known word (the detected provider's reading
    first) and a recognized provider's whole table (its codes too) join the observed ones."""
    vocabularies = load_vocabularies()
    table = vocabularies.reading(prefer=found.vocabulary)
    return dataclasses.replace(
        found, status_table={**table, **found.full_status_table(vocabularies)}
    )


def _compile(row: detected.DetectedRow, spec: MappingSpec | None) -> CompiledMapping:
    source = f"{row.connector} (detected v{row.version})"
    try:
        learned = parse_mapping(row.mapping.encode(), source)
    except MappingFileError as error:
        raise Unmappable("no_mapping", f"detected mapping unusable: {error}") from None
    version = f"detected-v{row.version}"
    if spec is None:
        return compile_mapping(dataclasses.replace(learned, name=row.connector, version=version))
    written = {name: path for name, path in spec.fields.items() if path != AUTO}
    return compile_mapping(
        dataclasses.replace(
            spec,
            version=f"{spec.version}+{version}",
            each=spec.each or learned.each,
            fields={**learned.fields, **written},
            status={**learned.status, **spec.status},
        )
    )
