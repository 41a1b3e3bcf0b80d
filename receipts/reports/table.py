"""The summary as a plain-text table, for `receipts report summary`."""

from __future__ import annotations

from receipts.mapping.status import Status
from receipts.reports.summary import Summary, SummaryGroup

_HEADERS = ("group", "messages", "delivered", "read", "failed", "other", "final", "rate")
_LATENCY = ("p50", "p90", "p99")


def _cells(name: str, group: SummaryGroup) -> list[str]:
    statuses = group.statuses
    delivered, read, failed = (statuses[s] for s in (Status.DELIVERED, Status.READ, Status.FAILED))
    other = group.messages - delivered - read - failed
    rate = "-" if group.delivery_rate is None else f"{group.delivery_rate:.1%}"
    latency = group.latency_seconds
    return [
        name,
        str(group.messages),
        str(delivered),
        str(read),
        str(failed),
        str(other),
        str(group.final),
        rate,
        *("-" if latency[p] is None else f"{latency[p]:g}s" for p in _LATENCY),
    ]


def summary_table(summary: Summary) -> str:
    def label(group: SummaryGroup) -> str:
        name = "(none)" if group.key is None else group.key
        return f"{name} {group.label}" if group.label else name

    rows = [[*_HEADERS, *(f"latency {p}" for p in _LATENCY)]]
    rows += [_cells(label(group), group) for group in summary.groups]
    rows.append(_cells("total", summary.totals))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        lines.append("  ".join([first, *rest]))
        if index == 0 or index == len(rows) - 2:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
