"""The baseline for bench/ingest.py: Flask answering the webhook's POST without any work."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.post("/webhooks/<connector>")
def receive(connector: str) -> tuple[dict, int]:
    return {"received": 1}, 200
