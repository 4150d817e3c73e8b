"""A flaky webhook receiver on 127.0.0.1 for chaos runs: it records every call and fails some.

Every request is recorded (in memory, and as a JSON line in `record` when given) before its
answer: the `Idempotency-Key`, the attempt from the payload, the status it answered (or
`dropped`: the connection closed without an answer, after the record), and when. It honours
the key as a receiver should: a key already answered 2xx is answered 200 again and counted
as a repeat, not a second delivery. Faults are seeded per key and per its n-th request, so a
run replays: `fail_share` answers 503 with `Retry-After: 1`, `drop_share` closes without an
answer, and `latency_ms` delays each answer.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Flakiness:
    fail_share: float = 0.0
    drop_share: float = 0.0
    latency_ms: float = 0.0


class WebhookReceiver:
    """`with WebhookReceiver(seed=…, flakiness=…) as hook:` serves `hook.url` from a thread."""

    def __init__(
        self, *, seed: int = 0, flakiness: Flakiness | None = None, record: Path | None = None
    ) -> None:
        self.seed = seed
        self.flakiness = flakiness or Flakiness()
        self.calls: list[dict[str, Any]] = []
        self._seen: dict[str, int] = {}
        self._delivered: set[str] = set()
        self._lock = threading.Lock()
        self._file = record.open("a", encoding="utf-8") if record else None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._take(self.headers.get("Idempotency-Key", ""), body)
                if receiver.flakiness.latency_ms:
                    time.sleep(receiver.flakiness.latency_ms / 1000)
                if status is None:  # shut down, not just closed: rfile and wfile hold it
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(status)
                if status == 503:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_PATCH = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{HOST}:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _draw(self, key: str, n: int) -> float:
        digest = hashlib.blake2b(f"{self.seed}:{key}:{n}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def _take(self, key: str, body: bytes) -> int | None:
        """Record the call and pick its answer: None drops the connection."""
        try:
            attempt = json.loads(body).get("attempt")
        except ValueError:
            attempt = None
        with self._lock:
            n = self._seen[key] = self._seen.get(key, 0) + 1
            draw = self._draw(key, n)
            status: int | None
            if key in self._delivered:
                status, kind = 200, "repeat"
            elif draw < self.flakiness.fail_share:
                status, kind = 503, "failed"
            elif draw < self.flakiness.fail_share + self.flakiness.drop_share:
                status, kind = None, "dropped"
            else:
                status, kind = 200, "delivered"
            if kind in ("delivered", "dropped"):  # a dropped answer: the receiver took it
                self._delivered.add(key)
            call = {"key": key, "attempt": attempt, "n": n, "answer": kind,
                    "status": 200 if kind == "dropped" else status, "at": time.time()}  # fmt: skip
            self.calls.append(call)
            if self._file is not None:
                self._file.write(json.dumps(call) + "\n")
                self._file.flush()
        return status

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._file is not None:
            self._file.close()
