"""Receipts as operators run it, in real processes: gunicorn serving `receipts:create_app()`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import orjson

from receipts.config import Config, environment_without_settings
from receipts.serve import DEFAULT_THREADS, DEFAULT_WORKER_CLASS, Endpoint, gunicorn_command
from tests.support.bodies import sms_receipt
from tests.support.credentials import WEBHOOK_SECRET
from tests.support.paths import REPO
from tests.support.waiting import wait_for


def receipts_command(*args: str) -> list[str]:
    """The `receipts` command line, run by this interpreter."""
    return [sys.executable, "-m", "receipts.cli", *args]


def serve_env(data_dir: Path, mappings: Path) -> dict[str, str]:
    """The environment of a `receipts serve` that has only a data dir and mappings."""
    env = environment_without_settings()
    env.update({"RECEIPTS_DATA_DIR": str(data_dir), "RECEIPTS_MAPPINGS": str(mappings)})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(config: Config, **extra: str) -> dict[str, str]:
    """The environment that gives a child process the same configuration as the tests."""
    env = environment_without_settings()
    env.update(
        {
            "DATABASE_URL": config.database_url or "",
            "RECEIPTS_DATA_DIR": str(config.data_dir),
            "RECEIPTS_MAPPINGS": str(config.mappings_dir),
            "RECEIPTS_WEBHOOK_SECRET": ",".join(config.webhook_secrets),
            "RECEIPTS_API_TOKEN": config.api_token or "",
            "RECEIPTS_LOG_FORMAT": "json",
            **extra,
        }
    )
    return env


def children_of(pid: int) -> set[int]:
    """Processes whose parent is `pid` (gunicorn's workers), read from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # the command name sits in parentheses and may itself contain spaces
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


class Gunicorn:
    """gunicorn on a loopback port, in a process group of its own so it can be killed whole."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        workers: int = 2,
        port: int | None = None,
        args: tuple[str, ...] = (),
        app: str = "receipts:create_app()",
        worker_class: str = DEFAULT_WORKER_CLASS,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.env, self.log, self.workers = env, log, workers
        self.app, self.worker_class, self.threads = app, worker_class, threads
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.cwd = REPO  # the code it serves: `python -m` puts this folder first on sys.path
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        """gunicorn exactly as `receipts serve` runs it (gevent workers, group commit)."""
        command = gunicorn_command(
            Endpoint("127.0.0.1", self.port),
            self.workers,
            self.app,
            self.worker_class,
            self.threads,
        )
        command[-1:-1] = self.args
        return command

    def start(self) -> Gunicorn:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.ready, timeout=60)
        return self

    def ready(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.output()[-2000:]
        return (
            len(self.worker_pids()) == self.workers
            and httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200
        )

    def worker_pids(self) -> set[int]:
        assert self.process is not None
        return children_of(self.process.pid)

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the OOM killer would; the master starts another."""
        victim = min(self.worker_pids())
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: the machine lost power."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def post_a_receipt(server: Gunicorn) -> httpx.Response:
    """One fresh 8x8 SMS receipt, posted as 8x8 posts it."""
    return httpx.post(
        f"{server.url}/webhooks/8x8",
        content=orjson.dumps(sms_receipt()),
        headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"},
    )
