"""Prometheus metrics: what each request costs and answers, what webhooks stored, and the
outbox's state read from the database at scrape time.

Under gunicorn (`receipts serve`) PROMETHEUS_MULTIPROC_DIR names a directory every worker
writes its samples to, and /metrics merges them; a child_exit hook marks dead workers.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg_pool import ConnectionPool

from receipts.store import overdue, reports
from receipts.store.forwards import FORWARD_STATES
from receipts.store.overdue import Windows
from receipts.web.gunicorn_hooks import MULTIPROC_ENV
from receipts.web.services import services

STARTED = "receipts.started"  # the request's start time, kept in its WSGI environ

WEBHOOK_RECEIPTS = Counter(
    "receipts_webhook_receipts",
    "Receipts and bodies taken in by webhooks, by connector and outcome",
    ["connector", "outcome"],
)
RESPONSES = Counter(
    "receipts_http_responses", "HTTP answers by route and status code", ["route", "code"]
)
LATENCY = Histogram(
    "receipts_http_request_duration_seconds",
    "Time from request to answer, by route",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Summed over live workers. It grows when PostgreSQL falls behind the webhooks: each body
# counted here is a request waiting for the commit in flight to finish.
QUEUED_FOR_COMMIT = Gauge(
    "receipts_webhook_bodies_queued_for_commit",
    "Webhook bodies waiting for the group commit in flight before theirs",
    multiprocess_mode="livesum",
)

bp = Blueprint("metrics", __name__)


# Looking up a labelled child takes a lock and builds a key: on the webhook path that is done
# once per label set, not on every request. Routes, codes and connectors are few.
@functools.lru_cache(maxsize=1024)
def _webhook_receipts(connector: str, outcome: str) -> Counter:
    return WEBHOOK_RECEIPTS.labels(connector, outcome)


@functools.lru_cache(maxsize=1024)
def _route_metrics(route: str, code: str) -> tuple[Histogram, Counter]:
    return LATENCY.labels(route), RESPONSES.labels(route, code)


def count_webhook_outcomes(connector: str, outcomes: dict[str, int]) -> None:
    """Count what one webhook body became: stored, duplicate, quarantined or ignored."""
    for outcome, count in outcomes.items():
        if count:
            _webhook_receipts(connector, outcome).inc(count)


class OutboxCollector(Collector):
    """Forwards by state, the oldest pending forward's age and overdue messages by channel,
    read when scraped."""

    def __init__(self, pool: ConnectionPool, windows: Windows) -> None:
        self._pool = pool
        self._windows = windows

    def collect(self) -> Iterator[Metric]:
        with self._pool.connection() as conn:
            states = reports.forwards_by_state(conn)
            oldest = reports.oldest_pending_forward_age(conn)
            overdue_counts = overdue.overdue_by_channel(conn, self._windows)
        by_state = GaugeMetricFamily(
            "receipts_forwards", "Forwards to MoEngage in the outbox, by state", labels=["state"]
        )
        for state in FORWARD_STATES:
            by_state.add_metric([state], states.get(state, 0))
        yield by_state
        overdue_by_channel = GaugeMetricFamily(
            "receipts_overdue_messages",
            "Messages without a final outcome past their channel's window, by channel",
            labels=["channel"],
        )
        for channel, count in sorted(overdue_counts.items()):
            overdue_by_channel.add_metric([channel], count)
        yield overdue_by_channel
        yield GaugeMetricFamily(
            "receipts_oldest_pending_forward_age_seconds",
            "Seconds since the oldest pending forward was queued (0 when none waits)",
            value=oldest,
        )


@bp.get("/metrics")
def metrics() -> Response:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    outbox = CollectorRegistry()
    outbox.register(OutboxCollector(services().pool, services().config.final_windows))
    return Response(
        generate_latest(registry) + generate_latest(outbox), mimetype=CONTENT_TYPE_LATEST
    )


def _started() -> None:
    request.environ[STARTED] = time.perf_counter()


def _answered(response: Response) -> Response:
    incoming = request._get_current_object()  # the proxy costs a lookup on every use
    started = incoming.environ.get(STARTED)
    if started is not None:
        rule = incoming.url_rule
        latency, responses = _route_metrics(
            rule.rule if rule is not None else "unmatched", str(response.status_code)
        )
        latency.observe(time.perf_counter() - started)
        responses.inc()
    return response


def instrument(app: Flask) -> None:
    """Time and count every request; the cost is two dictionary look-ups and two additions."""
    app.before_request(_started)
    app.after_request(_answered)
    app.register_blueprint(bp)
