"""The summary as CSV, one line per group, streamed as it is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from receipts.reports.summary import PERCENTILES, STATUSES, Summary

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


def summary_lines(summary: Summary) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(list(COLUMNS))
    for group in summary.groups:
        latency = group.latency_seconds
        yield line(
            [
                group.key,
                group.label,
                group.messages,
                *(group.statuses.get(status, 0) for status in STATUSES),
                group.final,
                group.delivered_final,
                group.delivery_rate,
                *(latency[f"p{p}"] for p in PERCENTILES),
            ]
        )
