"""CSV answers (the summary, the suppression list): one line per row, streamed as written."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from receipts.mapping.status import STATUSES
from receipts.reports.summary import PERCENTILES, Summary, SummaryGroup

COLUMNS = (
    "key",
    "label",
    "messages",
    *STATUSES,
    "final",
    "delivered_final",
    "delivery_rate",
    *(f"latency_p{p}_seconds" for p in PERCENTILES),
)


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Each row as one CSV line (times in ISO 8601), written as it is asked for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for values in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
        yield buffer.getvalue()


def summary_lines(summary: Summary) -> Iterator[str]:
    return csv_lines([list(COLUMNS), *(_group_row(group) for group in summary.groups)])


def _group_row(group: SummaryGroup) -> list[Any]:
    latency = group.latency_seconds
    return [
        group.key,
        group.label,
        group.messages,
        *(group.statuses.get(status, 0) for status in STATUSES),
        group.final,
        group.delivered_final,
        group.delivery_rate,
        *(latency[f"p{p}"] for p in PERCENTILES),
    ]
