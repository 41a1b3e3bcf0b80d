"""Time from `receipts serve` to the first 200, and receipts/s from a quick loop of POSTs.

Starts a real `receipts serve` on embedded PostgreSQL in a temporary data dir. The baseline,
in the same run and over the same connections, is `GET /healthz` (Flask without the database).
A proper load test is `bench/ingest.py`.

    python bench/quick_start.py [--requests 3000] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from receipts.config import environment_without_settings  # noqa: E402
from tests.support.bodies import sms_receipt  # noqa: E402
from tests.support.processes import free_port  # noqa: E402


def body() -> bytes:
    return orjson.dumps(sms_receipt())


def rate(send, requests: int, threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        codes = list(pool.map(lambda _: send(), range(requests)))
    elapsed = time.perf_counter() - started
    assert set(codes) == {200}, set(codes)
    return requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    data = Path(tempfile.mkdtemp())
    env = environment_without_settings()  # embedded PostgreSQL, generated credentials
    env.update(RECEIPTS_DATA_DIR=str(data), RECEIPTS_MAPPINGS=str(REPO / "mappings"))
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "receipts.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while not (data / "credentials.json").exists():
            time.sleep(0.01)
        secret = json.loads((data / "credentials.json").read_text())["webhook_secret"]
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        with httpx.Client(
            base_url=base, headers=headers, limits=httpx.Limits(max_connections=args.threads)
        ) as http:
            while True:
                try:
                    if http.post("/webhooks/8x8", content=body()).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.01)
            first = time.perf_counter() - started
            print(
                f"receipts serve -> first 200: {first:.2f} s (fresh data dir, embedded PostgreSQL)"
            )
            baseline = rate(lambda: http.get("/healthz").status_code, args.requests, args.threads)
            receipts = rate(
                lambda: http.post("/webhooks/8x8", content=body()).status_code,
                args.requests,
                args.threads,
            )
        print(f"GET /healthz (baseline):    {baseline:8.0f} requests/s ({args.threads} threads)")
        ratio = receipts / baseline
        print(f"POST /webhooks/8x8:         {receipts:8.0f} receipts/s ({ratio:.2f} of baseline)")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


if __name__ == "__main__":
    main()
