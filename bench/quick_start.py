"""Time from `receipts serve` to the first 200, and receipts/s from a quick loop of POSTs.

Starts a real `receipts serve` on embedded PostgreSQL in a temporary data dir. The baseline,
in the same run and over the same connections, is `GET /healthz` (Flask without the database).
A proper load test is `bench/ingest.py`.

    python bench/quick_start.py [--requests 3000] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson

REPO = Path(__file__).resolve().parents[1]


def body() -> bytes:
    return orjson.dumps(
        {
            "namespace": "SMS",
            "eventType": "outbound_message_status_changed",
            "payload": {
                "umid": str(uuid.uuid4()),
                "destination": "+6591234567",
                "status": {
                    "state": "delivered",
                    "detail": "delivered_to_recipient",
                    "timestamp": "2026-03-02T08:15:42.31Z",
                },
            },
        }
    )


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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = Path(tempfile.mkdtemp())
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
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
