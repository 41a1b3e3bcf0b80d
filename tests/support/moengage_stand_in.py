"""A stand-in for MoEngage's delivery tracking: a real threaded HTTP server on loopback.

It records every POST (body, headers, answer, time) and can be told to misbehave: answer a
share of requests with 500, or with 429 and `Retry-After`, always answer one status, answer
slowly, or be down (connection refused for new connections, dropped for kept-alive ones).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Behaviour:
    fail_ratio: float = 0.0  # share answered 500
    throttle_ratio: float = 0.0  # share answered 429 with Retry-After
    retry_after: str = "1"
    status: int = 200  # the answer otherwise
    delay: float = 0.0  # seconds before answering


@dataclass(frozen=True)
class Post:
    body: dict
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)

    @property
    def message_id(self) -> str:
        return self.body["message_id"]


class MoEngageStandIn:
    def __init__(self, seed: int = 5) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.behaviour = Behaviour()
        self.posts: list[Post] = []
        self.down = False
        self._server = self._listen(0)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}/sms/dlr/custom/stand-in"

    def behave(self, **changes: object) -> None:
        self.behaviour = replace(self.behaviour, **changes)

    def reset(self) -> None:
        if self.down:
            self.come_back()
        with self._lock:
            self.posts = []
            self.behaviour = Behaviour()

    def go_down(self) -> None:
        """New connections are refused; kept-alive ones are dropped without an answer."""
        self.down = True
        self._server.shutdown()
        self._server.server_close()

    def come_back(self) -> None:
        self._server = self._listen(self.port)
        self.down = False

    def accepted(self) -> list[Post]:
        """The POSTs answered 2xx: what MoEngage would have taken in."""
        with self._lock:
            return [post for post in self.posts if 200 <= post.status < 300]

    def accepted_ids(self) -> Counter[str]:
        return Counter(post.message_id for post in self.accepted())

    def attempts(self) -> list[Post]:
        with self._lock:
            return list(self.posts)

    def close(self) -> None:
        if not self.down:
            self._server.shutdown()
            self._server.server_close()

    def _listen(self, port: int) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def _answer(self, body: dict, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        behaviour = self.behaviour
        with self._lock:
            roll = self._random.random()
            if roll < behaviour.fail_ratio:
                status, extra = 500, {}
            elif roll < behaviour.fail_ratio + behaviour.throttle_ratio:
                status, extra = 429, {"Retry-After": behaviour.retry_after}
            else:
                status, extra = behaviour.status, {}
            self.posts.append(Post(body, headers, status))
        return status, extra


def _handler(stand_in: MoEngageStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if stand_in.down:
                self.close_connection = True  # drop it: the client sees no answer
                return
            if stand_in.behaviour.delay:
                time.sleep(stand_in.behaviour.delay)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, extra = stand_in._answer(json.loads(raw), headers)
            answer = b'{"status":"success"}' if status < 300 else b'{"status":"fail"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read `posts`, not a log."""

    return Handler
