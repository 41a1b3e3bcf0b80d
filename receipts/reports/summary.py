"""Summaries of messages over a time range, grouped by `by=`: counts by status, delivery rate,
and latency percentiles from first to final receipt.

The same figures come from the hourly rollup (when the range is whole hours) or from the
messages themselves; both produce latency histograms, so both answers are identical. The
rollup answers the hours before its last refresh and the messages answer the rest, so a
summary never waits for a recount: a periodic refresh (`receipts report rollup --every S`,
which `receipts serve` runs) keeps the rollup current, and without one a summary refreshes it
at most once per ROLLUP_MAX_AGE, paying for what changed since.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from receipts.mapping.status import DELIVERED_STATUSES, STATUSES
from receipts.reports.error_codes import error_name
from receipts.store import reports as store

PERCENTILES = (50, 90, 99)
_EXACT_SECONDS = 60  # buckets are whole seconds up to here, then 5% steps (latency_bucket())
# Longer than the periodic refresh's default interval, so with one running summaries never pay.
ROLLUP_MAX_AGE = timedelta(seconds=60)


def bucket_upper_seconds(bucket: int) -> float:
    """The largest latency that latency_bucket() puts in `bucket`."""
    if bucket <= _EXACT_SECONDS:
        return float(bucket)
    return round(_EXACT_SECONDS * 1.05 ** (bucket - _EXACT_SECONDS), 1)


@dataclass
class SummaryGroup:
    key: str | None
    label: str | None = None
    messages: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    final: int = 0
    delivered_final: int = 0
    histogram: dict[int, int] = field(default_factory=dict)
    codes: list[dict[str, Any]] = field(default_factory=list)  # by=reason: provider codes
    overdue: int = 0  # not final, past the channel's window (RECEIPTS_FINAL_WINDOW)

    def add(self, status: str, bucket: int | None, count: int) -> None:
        self.messages += count
        self.statuses[status] = self.statuses.get(status, 0) + count
        if bucket is not None:
            self.final += count
            self.histogram[bucket] = self.histogram.get(bucket, 0) + count
            if status in DELIVERED_STATUSES:
                self.delivered_final += count

    @property
    def delivery_rate(self) -> float | None:
        return round(self.delivered_final / self.final, 6) if self.final else None

    @property
    def overdue_rate(self) -> float | None:
        return round(self.overdue / self.messages, 6) if self.messages else None

    @property
    def latency_seconds(self) -> dict[str, float | None]:
        return {f"p{p}": self.percentile(p) for p in PERCENTILES}

    def percentile(self, p: int) -> float | None:
        """Nearest-rank percentile, as the upper bound of the bucket it falls in."""
        if not self.final:
            return None
        rank = max(1, math.ceil(p / 100 * self.final))
        seen = 0
        for bucket in sorted(self.histogram):
            seen += self.histogram[bucket]
            if seen >= rank:
                return bucket_upper_seconds(bucket)
        raise AssertionError("histogram smaller than its count")


@dataclass(frozen=True)
class Summary:
    start: datetime
    end: datetime
    by: str
    source: str
    groups: list[SummaryGroup]
    totals: SummaryGroup
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def uses_rollup(start: datetime, end: datetime) -> bool:
    """The rollup holds whole hours, so it answers ranges that start and end on the hour."""
    return all(t.minute == 0 and t.second == 0 and t.microsecond == 0 for t in (start, end))


def summarize(
    conn: psycopg.Connection,
    start: datetime,
    end: datetime,
    by: str,
    rollup: bool | None = None,
    windows: store.Windows | None = None,
) -> Summary:
    """The summary of messages first seen in [start, end); `rollup` None means when possible.
    With `windows` (RECEIPTS_FINAL_WINDOW), each group counts its overdue messages too."""
    from_rollup = uses_rollup(start, end) if rollup is None else rollup
    if from_rollup:
        store.refresh_rollup_if_due(conn, ROLLUP_MAX_AGE)
    rows = store.summary_rows(conn, start, end, by, from_rollup)
    groups, totals = _fold(rows, by)
    if by == "reason":
        _add_codes(groups, store.reason_codes(conn, start, end))
    if windows is not None:
        by_key = {group.key: group for group in groups}
        for raw_key, count in store.overdue_rows(conn, start, end, by, windows):
            group = by_key.get(_key_text(raw_key, by))
            if group is not None:
                group.overdue += int(count)
                totals.overdue += int(count)
    return Summary(start, end, by, "rollup" if from_rollup else "messages", groups, totals)


def _fold(rows: Iterable[tuple[Any, str, int | None, int]], by: str):
    groups: dict[Any, SummaryGroup] = {}
    totals = SummaryGroup(key=None)
    for raw_key, status, bucket, count in rows:
        count = int(count)
        group = groups.get(raw_key)
        if group is None:
            key = _key_text(raw_key, by)
            label = error_name(key) if by == "error" else None
            group = groups[raw_key] = SummaryGroup(key=key, label=label)
        group.add(status, bucket, count)
        totals.add(status, bucket, count)
    return _ordered(list(groups.values()), by), totals


def _add_codes(
    groups: list[SummaryGroup], codes: Iterable[tuple[str | None, str | None, int]]
) -> None:
    """Under each failure reason, the provider's own codes that led to it, most first."""
    by_key = {group.key: group for group in groups}
    for category, code, count in codes:
        group = by_key.get(category)
        if group is not None:
            group.codes.append({"code": code, "name": error_name(code), "messages": int(count)})


def _key_text(raw_key: Any, by: str) -> str | None:
    if raw_key is None:
        return None
    if by == "day":
        return raw_key.astimezone(UTC).date().isoformat()
    if by == "hour":
        return raw_key.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")
    return str(raw_key)


def _ordered(groups: list[SummaryGroup], by: str) -> list[SummaryGroup]:
    if by in ("day", "hour"):
        return sorted(groups, key=lambda g: g.key or "")
    if by == "status":
        order = {status: i for i, status in enumerate(STATUSES)}
        return sorted(groups, key=lambda g: order.get(g.key or "", len(order)))
    return sorted(groups, key=lambda g: (-g.messages, g.key is None, g.key or ""))
