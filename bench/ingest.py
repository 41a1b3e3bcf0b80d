"""Webhook ingest against a no-op Flask app, in the same run, with the same gunicorn settings.

Starts PostgreSQL (embedded in a temporary folder, or a fresh database on `DATABASE_URL`),
the real service (`receipts:create_app()`) and `bench/noop_app.py` under gunicorn exactly as
`receipts serve` runs it, and drives both with wrk (installed with apt-get when missing):
every request a fresh 8x8 SMS receipt, at 16 and 64 connections; the same for the code the
issue measured (`--baseline`, served from its own tree with `git archive`, on a database of
its own, as its own `receipts serve` ran it), for PostgreSQL CPU per receipt against it. Then
the same with 30% duplicate and out-of-order receipts; the figures production sizing reads
(web CPU per request against the no-op's, PostgreSQL CPU and WAL bytes per durable receipt,
bodies per commit); latency and CPU at the same offered load, half the project's own
capacity, for both apps; the resident memory of each web worker after 100,000 receipts, and
two service instances side by side on one PostgreSQL, a forwarder beside each, posting to a
MoEngage stand-in: every delivered message must reach it exactly once.

Every project run ends with a check of the database against wrk's own accounting: every
receipt answered 200 is stored, and nothing else is, apart from requests wrk abandoned in
flight when its clock ran out (their answers were cut, so either outcome is correct).

    python bench/ingest.py [--duration 10] [--rounds 1] [--connections 16,64] [--baseline REF]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from receipts.config import environment_without_settings  # noqa: E402
from receipts.serve import (  # noqa: E402
    DEFAULT_THREADS,
    DEFAULT_WORKER_CLASS,
    WORKER_CLASSES,
    Endpoint,
    default_workers,
    gunicorn_command,
)
from receipts.store import migrate  # noqa: E402
from receipts.store.embedded import scratch_database, start_embedded  # noqa: E402
from tests.support.moengage_stand_in import MoEngageStandIn  # noqa: E402
from tests.support.processes import Gunicorn  # noqa: E402

LUA = Path(__file__).with_name("receipts.lua")
NOOP_APP = "bench.noop_app:app"
PROJECT_APP = "receipts:create_app()"

RUN_RECEIPTS = """
SELECT message_id, provider_status FROM receipts WHERE message_id LIKE %s"""
RUN_FORWARDS = "SELECT count(*) FROM forwards WHERE message_id LIKE %s"
RUN_MOVED_BACK = """
SELECT count(*) FROM messages m
WHERE m.message_id LIKE %s AND m.status <> 'delivered'
  AND EXISTS (SELECT 1 FROM receipts r WHERE r.connector = m.connector
              AND r.message_id = m.message_id AND r.status = 'delivered')"""
RECEIPT_COUNT = "SELECT count(*) FROM receipts"
PENDING_FORWARDS = "SELECT count(*) FROM forwards WHERE state = 'pending'"
DELIVERED_MESSAGES = "SELECT message_id FROM messages WHERE status = 'delivered'"
WAL_BYTES = "SELECT wal_bytes FROM pg_stat_wal"
# Every group commit is one transaction: its bodies share a transaction id.
RUN_BODIES_PER_COMMIT = """
SELECT count(*)::float8 / greatest(count(DISTINCT b.xmin::text), 1)
FROM webhook_bodies b JOIN receipts r ON r.body_id = b.id
WHERE r.message_id LIKE %s"""
# The issue's targets, printed beside the figures.
TARGET_EFFICIENCY = 0.70
TARGET_P99_RATIO = 2.0
TARGET_P50_MS = 2.0
TARGET_POSTGRES_RATIO = 0.6
# main when the issue measured "today's" PostgreSQL CPU per receipt; its target is against
# this code, so the bench serves it too, from its own tree, database and gunicorn settings.
ISSUE_BASELINE = "a0daff9"
# Asked of the baseline's own tree: its gunicorn command and its schema.
BASELINE_COMMAND = """import json, sys
from receipts.serve import Endpoint, default_workers, gunicorn_command
endpoint = Endpoint("127.0.0.1", int(sys.argv[1]))
print(json.dumps(gunicorn_command(endpoint, default_workers(), "receipts:create_app()")))"""
BASELINE_MIGRATE = """import sys, psycopg
from receipts.store import migrate
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    migrate.upgrade(conn)"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing the Debian package", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A fresh database on DATABASE_URL (dropped afterwards), else an embedded server."""
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        folder = Path(tempfile.mkdtemp(prefix="receipts-bench-"))
        try:
            yield start_embedded(folder / "pgdata", cleanup="delete")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    with scratch_database(server_url, "receipts_bench") as url:
        yield url


class Service(Gunicorn):
    """The test suite's gunicorn, ready once a webhook POST is answered: the no-op app has
    no /readyz, and both must be measured alike."""

    def ready(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.output()[-2000:]
        answer = httpx.post(self.url + "/webhooks/8x8", content=b"{}", timeout=2)
        return answer.status_code < 500 and len(self.worker_pids()) == self.workers

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes


class BaselineService(Service):
    """The code of another commit, served as that commit's `receipts serve` served it (its
    own worker model and count)."""

    def __init__(self, tree: Path, env: dict[str, str], log: Path) -> None:
        env = {**env, "PYTHONPATH": str(tree), "RECEIPTS_MAPPINGS": str(tree / "mappings")}
        super().__init__(env, log)
        self.cwd = tree
        asked = [sys.executable, "-c", BASELINE_COMMAND, str(self.port)]
        found = subprocess.run(asked, cwd=tree, env=env, capture_output=True, check=True)
        self._command = json.loads(found.stdout)
        self.workers = int(self._command[self._command.index("--workers") + 1])

    def command(self) -> list[str]:
        return self._command


@contextlib.contextmanager
def baseline_service(
    ref: str, server_url: str, env: dict[str, str], logs: Path
) -> Iterator[tuple[BaselineService, str]]:
    """`ref`'s tree (git archive), migrated by its own migrations on a database of its own."""
    archive = subprocess.run(["git", "archive", ref], cwd=REPO, capture_output=True)
    if archive.returncode:
        raise SystemExit(f"no baseline {ref!r} in this clone's history; --baseline '' skips it")
    tree = Path(tempfile.mkdtemp(prefix="receipts-baseline-"))
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    try:
        with scratch_database(server_url, "receipts_bench_baseline") as db_url:
            env = {**env, "DATABASE_URL": db_url}
            subprocess.run([sys.executable, "-c", BASELINE_MIGRATE, db_url], cwd=tree, check=True)
            service = BaselineService(tree, env, logs / "baseline.log").start()
            try:
                yield service, db_url
            finally:
                service.stop()
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def start_service(app: str, args: argparse.Namespace, env: dict[str, str], log: Path) -> Service:
    """Started and answering, with the bench's worker and thread counts."""
    return Service(
        env, log, args.workers, app=app, worker_class=args.worker_class, threads=args.threads
    ).start()


@dataclass
class Load:
    """One wrk run: rate, latencies, and which requests were answered how."""

    run: str
    mode: str
    connections: int
    rate: float
    p50_ms: float
    p99_ms: float
    threads: list[dict] = field(repr=False)
    errors: dict[str, int] = field(repr=False)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per request, by process kind
    wal_bytes: float | None = None  # WAL written per request (the project's runs)

    @property
    def non_200(self) -> int:
        return sum(len(thread["bad"]) for thread in self.threads)


def cpu_ticks(pids: list[int]) -> int:
    """User plus system clock ticks of these processes (exited ones count as none)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def wal_bytes(db_url: str | None) -> int | None:
    if db_url is None:
        return None
    with psycopg.connect(db_url, autocommit=True) as conn:
        return int(conn.execute(WAL_BYTES).fetchone()[0])


def drive(
    wrk: str,
    service: Service,
    connections: int,
    duration: float,
    mode: str,
    secret: str,
    pause_ms: float = 0,
    db_url: str | None = None,
) -> Load:
    """One wrk run, with the CPU it cost the web workers, PostgreSQL and wrk itself, and the
    WAL it wrote when given the database.

    The CPU split is exact only when nothing else runs (not for the two-instance runs)."""
    workers, database_pids = service.worker_pids(), postgres_pids()
    wal_before = wal_bytes(db_url)
    before = (cpu_ticks(workers), cpu_ticks(database_pids), os.times())
    load = _run_wrk(wrk, service.url, connections, duration, mode, secret, pause_ms)
    after = (cpu_ticks(workers), cpu_ticks(database_pids), os.times())
    wal_after = wal_bytes(db_url)
    requests = load.rate * duration
    if wal_before is not None and wal_after is not None:
        load.wal_bytes = (wal_after - wal_before) / requests
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    wrk_s = sum(after[2][2:4]) - sum(before[2][2:4])
    load.cpu_ms = {
        "web": (after[0] - before[0]) * tick_ms / requests,
        "postgres": (after[1] - before[1]) * tick_ms / requests,
        "wrk": wrk_s * 1000 / requests,
    }
    return load


def _run_wrk(
    wrk: str, url: str, connections: int, duration: float, mode: str, secret: str, pause_ms: float
) -> Load:
    run = secrets.token_hex(4)
    now = datetime.now(UTC)
    delivered_at = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    sent_at = (now - timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    command = [
        wrk,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{round(duration)}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url + "/webhooks/8x8",
        "--",
        run,
        mode,
        secret,
        str(connections),
        delivered_at,
        sent_at,
        str(round(pause_ms)),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("wrk-result "))
    result = json.loads(line.removeprefix("wrk-result "))
    seconds = result["duration_us"] / 1e6
    return Load(
        run=run,
        mode=mode,
        connections=connections,
        rate=result["requests"] / seconds,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        threads=result["threads"],
        errors=result["errors"],
    )


def umid(run: str, thread: int, k: int) -> str:
    return f"{run}-{thread:04x}-4000-8000-{k:012x}"


def expected_receipt(load: Load, thread: int, k: int) -> tuple[str, str]:
    """The (message id, provider status) of request k of a thread, as receipts.lua builds it."""
    kind = k % 10
    if load.mode == "fresh" or kind <= 6:
        return umid(load.run, thread, k), "delivered"
    other = thread % load.connections + 1
    if kind == 7:
        return expected_receipt(load, other, k - 1)
    if kind == 8:
        return umid(load.run, other, k - 2), "sent"
    return expected_receipt(load, thread, k - 1)


def check_database(url: str, loads: list[Load]) -> str:
    """Every 200 stored, nothing else stored but abandoned requests; raises when violated."""
    answered: set[tuple[str, str]] = set()
    abandoned: set[tuple[str, str]] = set()
    for load in loads:
        for thread in load.threads:
            unsure = set(thread["unanswered"]) | set(thread["bad"])
            for k in range(1, thread["sent"] + 1):
                key = expected_receipt(load, thread["id"], k)
                (abandoned if k in unsure else answered).add(key)
    abandoned -= answered
    # One snapshot: requests abandoned by wrk may still be committing while we read.
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        stored: set[tuple[str, str]] = set()
        forwards = moved_back = 0
        for load in loads:
            pattern = f"{load.run}-%"
            stored.update(conn.execute(RUN_RECEIPTS, (pattern,)).fetchall())
            forwards += conn.execute(RUN_FORWARDS, (pattern,)).fetchone()[0]
            moved_back += conn.execute(RUN_MOVED_BACK, (pattern,)).fetchone()[0]
    missing = answered - stored
    unexpected = stored - answered - abandoned
    delivered = {message for message, status in stored if status == "delivered"}
    problems = []
    if missing:
        problems.append(f"{len(missing)} receipts answered 200 are not stored")
    if unexpected:
        problems.append(f"{len(unexpected)} stored receipts were never sent")
    if forwards != len(delivered):
        problems.append(f"{forwards} forwards for {len(delivered)} delivered messages")
    if moved_back:
        problems.append(f"{moved_back} messages moved back from delivered")
    if problems:
        raise SystemExit("DATABASE CHECK FAILED: " + "; ".join(problems))
    cut = len(stored & abandoned)
    note = f", plus {cut} committed whose answer wrk cut off at its deadline" if cut else ""
    return f"db ok: {len(answered & stored)} receipts answered 200 = stored{note}"


def show(label: str, load: Load, baseline: Load | None = None, cpu: bool = True) -> None:
    ratio = f"  ratio {load.rate / baseline.rate:.2f}" if baseline else ""
    bad = f"  NON-200: {load.non_200}" if load.non_200 else ""
    print(
        f"{label:<34} c={load.connections:<3} {load.rate:8.0f} req/s"
        f"  p50 {load.p50_ms:6.1f} ms  p99 {load.p99_ms:6.1f} ms{ratio}{bad}",
        flush=True,
    )
    if cpu and load.cpu_ms:
        split = ", ".join(f"{kind} {ms:.2f}" for kind, ms in load.cpu_ms.items())
        print(f"  CPU ms per request: {split}", flush=True)


def pause_for(connections: int, rate: float) -> float:
    """The mean pause before each request (ms) at which `connections` offer `rate` req/s."""
    return connections * 1000 / rate


def per_receipt(db_url: str, load: Load) -> str:
    """PostgreSQL's share of a run: CPU and WAL per durable receipt, bodies per commit."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        per_commit = conn.execute(RUN_BODIES_PER_COMMIT, (f"{load.run}-%",)).fetchone()[0]
    wal = f"{load.wal_bytes:,.0f}" if load.wal_bytes is not None else "?"
    return (
        f"PostgreSQL {load.cpu_ms['postgres'] * 1000:.0f} us CPU and {wal} WAL bytes per"
        f" receipt; {per_commit:.1f} bodies per commit"
    )


def same_load(
    wrk: str,
    noop: Service,
    project: Service,
    db_url: str,
    connections: int,
    offered: float,
    duration: float,
    secret: str,
) -> None:
    """Latency when neither app is saturated: both offered the same load, half the project's
    measured capacity, by a pause before each request (wrk's `delay()`)."""
    pause_ms = pause_for(connections, offered)
    print(
        f"--- same offered load: {offered:.0f} req/s (half the project's capacity),"
        f" {connections} connections pausing {pause_ms:.0f} ms on average",
        flush=True,
    )
    base = drive(wrk, noop, connections, duration, "fresh", secret, pause_ms)
    show("no-op Flask", base)
    runs = (("fresh", "receipts, fresh umids"), ("mix", "receipts, 30% duplicate/late"))
    for mode, label in runs:
        load = drive(wrk, project, connections, duration, mode, secret, pause_ms, db_url)
        show(label, load)
        print("  " + check_database(db_url, [load]), flush=True)
        # Batches are small at this load, so PostgreSQL's cost per receipt is not the
        # saturated runs': sizing for ordinary traffic reads this one.
        print("  " + per_receipt(db_url, load), flush=True)
        p99_ratio = load.p99_ms / base.p99_ms
        p50_gap = load.p50_ms - base.p50_ms
        print(
            f"  p99 {p99_ratio:.2f} x the no-op's (target {TARGET_P99_RATIO:g} x);"
            f" p50 {p50_gap:+.1f} ms beside it (target within {TARGET_P50_MS:g} ms)",
            flush=True,
        )


def postgres_against(
    wrk: str,
    baseline: BaselineService,
    url: str,
    fresh: Load,
    noop: Load,
    duration: float,
    secret: str,
) -> float:
    """The baseline code right after the project's fresh run, alike: the ratio of their
    PostgreSQL CPU per durable receipt."""
    before = drive(wrk, baseline, fresh.connections, duration, "fresh", secret, db_url=url)
    show("the issue's code, fresh umids", before, noop)
    print("  " + check_database(url, [before]), flush=True)
    print("  " + per_receipt(url, before), flush=True)
    return fresh.cpu_ms["postgres"] / before.cpu_ms["postgres"]


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def fill_to(
    wrk: str, service: Service, db_url: str, secret: str, receipts: int, duration: float
) -> list[Load]:
    """Fresh receipts at 64 connections until the database holds `receipts` of them."""
    loads: list[Load] = []
    while True:
        with psycopg.connect(db_url, autocommit=True) as conn:
            have = conn.execute(RECEIPT_COUNT).fetchone()[0]
        if have >= receipts:
            return loads
        loads.append(drive(wrk, service, 64, duration, "fresh", secret))


def two_instances(
    wrk: str,
    server_url: str,
    env: dict[str, str],
    args: argparse.Namespace,
    level: int,
    secret: str,
    logs: Path,
) -> None:
    """Scale-out on a fresh database: rates add up, nothing lost, nothing forwarded twice."""
    with scratch_database(server_url, "receipts_bench_pair") as db_url, ExitStack() as stack:
        with psycopg.connect(db_url, autocommit=True) as conn:
            migrate.upgrade(conn)
        moengage = MoEngageStandIn()
        stack.callback(moengage.close)
        env = {**env, "DATABASE_URL": db_url, "MOENGAGE_DLR_URL": moengage.url}
        instances = []
        for name in ("a", "b"):
            instance = start_service(PROJECT_APP, args, env, logs / f"{name}.log")
            stack.callback(instance.stop)
            forwarder = subprocess.Popen(
                [sys.executable, "-m", "receipts.cli", "forward"],
                env=env,
                cwd=REPO,
                stdout=(logs / f"forward-{name}.log").open("ab"),
                stderr=subprocess.STDOUT,
            )
            stack.callback(forwarder.wait, 20)
            stack.callback(forwarder.terminate)
            instances.append(instance)
        single = drive(wrk, instances[0], level, args.duration, "fresh", secret)
        show("one instance (forwarders running)", single, cpu=False)
        with ThreadPoolExecutor(2) as pool:
            pair = list(
                pool.map(
                    lambda service: drive(wrk, service, level // 2, args.duration, "fresh", secret),
                    instances,
                )
            )
        show("instance A", pair[0], cpu=False)
        show("instance B", pair[1], cpu=False)
        total_rate = pair[0].rate + pair[1].rate
        print(
            f"two instances together: {total_rate:.0f} req/s"
            f" = {total_rate / single.rate:.2f} x one instance (same two cores)"
        )
        print("  " + check_database(db_url, [single, *pair]), flush=True)
        print("  " + check_forwards(db_url, moengage), flush=True)


def check_forwards(db_url: str, moengage: MoEngageStandIn) -> str:
    """Once the outbox is drained: each delivered message reached MoEngage exactly once."""
    started = time.monotonic()
    deadline = started + 600
    with psycopg.connect(db_url, autocommit=True) as conn:
        while conn.execute(PENDING_FORWARDS).fetchone()[0]:
            if time.monotonic() > deadline:
                raise SystemExit("FORWARD CHECK FAILED: the outbox did not drain in 10 min")
            time.sleep(0.5)
        delivered = {row[0] for row in conn.execute(DELIVERED_MESSAGES)}
    received = moengage.accepted_ids()
    twice = sum(1 for count in received.values() if count > 1)
    missing = len(delivered - set(received))
    if twice or missing or set(received) - delivered:
        raise SystemExit(
            f"FORWARD CHECK FAILED: {missing} delivered messages never forwarded,"
            f" {twice} forwarded more than once"
        )
    drained = time.monotonic() - started
    return (
        f"forwards ok: {len(delivered)} delivered messages, each posted to MoEngage once"
        f" (outbox drained {drained:.0f} s after the load stopped)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the paired runs")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--workers", type=int, help="default: serve's for the worker class")
    parser.add_argument("--worker-class", choices=WORKER_CLASSES, default=DEFAULT_WORKER_CLASS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="gthread only")
    parser.add_argument("--memory-receipts", type=int, default=100_000)
    parser.add_argument("--skip-two-instances", action="store_true")
    parser.add_argument(
        "--baseline",
        default=ISSUE_BASELINE,
        help="also serve this commit's code, for PostgreSQL CPU against it ('' for none)",
    )
    args = parser.parse_args()
    args.workers = args.workers or default_workers(args.worker_class)
    levels = [int(part) for part in args.connections.split(",")]
    wrk = ensure_wrk()
    logs = Path(tempfile.mkdtemp(prefix="receipts-bench-logs-"))
    secret = secrets.token_urlsafe(24)

    with database() as db_url:
        with psycopg.connect(db_url, autocommit=True) as conn:
            migrate.upgrade(conn)
        env = environment_without_settings()
        env.update(
            DATABASE_URL=db_url,
            RECEIPTS_WEBHOOK_SECRET=secret,
            RECEIPTS_API_TOKEN=secrets.token_urlsafe(24),
            RECEIPTS_MAPPINGS=str(REPO / "mappings"),
            RECEIPTS_DATA_DIR=str(logs / "data"),
            RECEIPTS_LOG_FORMAT="json",
            PYTHONPATH=str(REPO),
        )
        with ExitStack() as running:
            noop = start_service(NOOP_APP, args, env, logs / "noop.log")
            running.callback(noop.stop)
            project = start_service(PROJECT_APP, args, env, logs / "project.log")
            running.callback(project.stop)
            baseline = None
            if args.baseline:
                baseline, baseline_url = running.enter_context(
                    baseline_service(args.baseline, db_url, env, logs)
                )
            print(
                "gunicorn: "
                + " ".join(
                    gunicorn_command(
                        Endpoint("h", 0), args.workers, "APP", args.worker_class, args.threads
                    )
                )
                + f"\nwrk: one connection per thread, {args.duration:g} s per run; logs in {logs}",
                flush=True,
            )
            # Warm both (imports, pools, prepared statements) before measuring.
            drive(wrk, noop, 16, 2, "fresh", secret)
            check_database(db_url, [drive(wrk, project, 16, 2, "fresh", secret)])
            if baseline:
                check_database(baseline_url, [drive(wrk, baseline, 16, 2, "fresh", secret)])
            ratios: dict[int, list[float]] = {level: [] for level in levels}
            mix_ratios: dict[int, list[float]] = {level: [] for level in levels}
            efficiency: dict[int, list[float]] = {level: [] for level in levels}
            paced_efficiency: dict[int, list[float]] = {level: [] for level in levels}
            fresh_runs: dict[int, list[Load]] = {level: [] for level in levels}
            postgres_ratios: dict[int, list[float]] = {level: [] for level in levels}
            for round_number in range(1, args.rounds + 1):
                print(f"--- round {round_number}", flush=True)
                for level in levels:
                    base = drive(wrk, noop, level, args.duration, "fresh", secret)
                    show("no-op Flask", base)
                    fresh = drive(
                        wrk, project, level, args.duration, "fresh", secret, db_url=db_url
                    )
                    show("receipts, fresh umids", fresh, base)
                    print("  " + check_database(db_url, [fresh]), flush=True)
                    print("  " + per_receipt(db_url, fresh), flush=True)
                    if baseline:
                        postgres_ratios[level].append(
                            postgres_against(
                                wrk, baseline, baseline_url, fresh, base, args.duration, secret
                            )
                        )
                    mix = drive(wrk, project, level, args.duration, "mix", secret, db_url=db_url)
                    show("receipts, 30% duplicate/late", mix, base)
                    print("  " + check_database(db_url, [mix]), flush=True)
                    print("  " + per_receipt(db_url, mix), flush=True)
                    # Web CPU per request falls as the rate rises (fuller epoll rounds, warm
                    # caches): the no-op at the project's own rate is the like-for-like figure.
                    pause_ms = pause_for(level, fresh.rate)
                    paced = drive(wrk, noop, level, args.duration, "fresh", secret, pause_ms)
                    show("no-op Flask at the project's rate", paced)
                    ratios[level].append(fresh.rate / base.rate)
                    mix_ratios[level].append(mix.rate / base.rate)
                    efficiency[level].append(base.cpu_ms["web"] / fresh.cpu_ms["web"])
                    paced_efficiency[level].append(paced.cpu_ms["web"] / fresh.cpu_ms["web"])
                    fresh_runs[level].append(fresh)
            print("--- ratio receipts / no-op")
            for level in levels:
                print(f"c={level}: fresh {spread(ratios[level])}; mix {spread(mix_ratios[level])}")
            print(
                f"--- web CPU efficiency (no-op web CPU per request / receipts web CPU per"
                f" durable receipt), target {TARGET_EFFICIENCY:.2f}"
            )
            for level in levels:
                print(
                    f"c={level}: {spread(efficiency[level])}; against the no-op at the"
                    f" project's rate {spread(paced_efficiency[level])}"
                )

            if baseline:
                print(
                    f"--- PostgreSQL CPU per durable receipt, fresh receipts / the issue's code"
                    f" ({args.baseline}) in the same round, target at most {TARGET_POSTGRES_RATIO}"
                )
                for level in levels:
                    print(f"c={level}: {spread(postgres_ratios[level])}")

            top = max(levels)
            capacity = statistics.median(load.rate for load in fresh_runs[top])
            same_load(wrk, noop, project, db_url, top, capacity / 2, args.duration, secret)

            if args.memory_receipts:
                fill = fill_to(wrk, project, db_url, secret, args.memory_receipts, 20)
                if fill:
                    print("  " + check_database(db_url, fill), flush=True)
                with psycopg.connect(db_url, autocommit=True) as conn:
                    total = conn.execute(RECEIPT_COUNT).fetchone()[0]
                sizes = ", ".join(f"{size:.0f}" for size in project.worker_rss_mb())
                print(f"--- memory after {total} receipts: web worker RSS MB [{sizes}]")

            if not args.skip_two_instances:
                print("--- two instances, one PostgreSQL, a forwarder beside each", flush=True)
                two_instances(wrk, db_url, env, args, max(levels), secret, logs)


if __name__ == "__main__":
    main()
