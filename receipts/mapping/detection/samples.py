"""Sample files as an integrator has them: JSON, NDJSON or form-encoded bodies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from receipts.exceptions import ReceiptsError


class SampleError(ReceiptsError, ValueError):
    """A sample text that is neither JSON, NDJSON nor a form-encoded body."""


def parse_sample_text(text: str) -> list[Any]:
    """The bodies in a sample file: one JSON document, NDJSON (one document per line), or a
    form-encoded body / query string (parsed into a flat dict of str -> str, as the webhook
    receiver does). Raises SampleError for anything else."""
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return []
    try:
        return [json.loads(stripped)]
    except (ValueError, RecursionError):
        pass
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            return [json.loads(line) for line in lines]
        except (ValueError, RecursionError):
            pass
    query = stripped
    if "://" in query and "?" in query:
        query = urlsplit(query).query
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise SampleError("not JSON, NDJSON or a form-encoded body") from None
    return [dict(pairs)]


def read_sample_files(paths: Iterable[Path]) -> list[tuple[str, Any]]:
    """(`file#n`, body) for every body in the sample files; SampleError names a file that
    cannot be read or parsed."""
    found: list[tuple[str, Any]] = []
    for path in paths:
        try:
            bodies = parse_sample_text(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, SampleError) as error:
            raise SampleError(f"{path}: {error}") from None
        found.extend((f"{path}#{number}", body) for number, body in enumerate(bodies, 1))
    return found


def read_labelled_samples(
    labelled: Sequence[tuple[str | None, Path]],
) -> tuple[list[Any], list[str | None] | None]:
    """The bodies of (label, file) pairs, and each body's label; None when no file has one."""
    bodies: list[Any] = []
    labels: list[str | None] = []
    for label, path in labelled:
        for _, body in read_sample_files((path,)):
            bodies.append(body)
            labels.append(label)
    return bodies, labels if any(labels) else None
