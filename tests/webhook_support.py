"""Loopback-only plumbing for webhook tests: a scripted HTTP receiver on 127.0.0.1, a tripwire
listener that records any connection, and network backends that can never leave loopback.

`LoopbackOnly` is the network every real-socket test passes to `deliver`: whatever address
the guard let through, it opens its socket to 127.0.0.1, and anything not addressed to
127.0.0.1 lands on the tripwire. So even a broken guard sends no packet off the machine, and
the tripwire proves it made no connection. `FakeNetwork` never opens a socket at all: it
records the dial and answers from a buffer, for public-looking addresses.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore


@dataclass
class Received:
    method: str
    path: str
    headers: Message  # names without case, as HTTP has them
    body: bytes


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Receiver:
    """Answers requests from a script (the last answer repeats) and records each one."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [Answer(200)]
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.received.append(
                    Received(self.command, self.path, self.headers, self.rfile.read(length))
                )
                answer = receiver.answers[min(len(receiver.received), len(receiver.answers)) - 1]
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_POST = do_PUT = do_PATCH = do_GET = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Tripwire:
    """A listener on 127.0.0.1 that accepts and counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


class LoopbackOnly(httpcore.NetworkBackend):
    """Records every dial; connects only to 127.0.0.1, sending other targets to the tripwire."""

    def __init__(self, tripwire: Tripwire) -> None:
        self.tripwire = tripwire
        self.dials: list[tuple[str, int]] = []
        self._real = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.dials.append((host, port))
        if host != "127.0.0.1":
            port = self.tripwire.port
        return self._real.connect_tcp("127.0.0.1", port, timeout, local_address, socket_options)


class FakeStream(httpcore.NetworkStream):
    """Answers from a buffer and keeps what was written; TLS is recorded, not done."""

    def __init__(self, network: FakeNetwork) -> None:
        self.network = network
        self.buffer = list(network.answer)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.buffer.pop(0) if self.buffer else b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.network.written += buffer

    def close(self) -> None:
        pass

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self.network.tls_names.append(server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


class FakeNetwork(httpcore.NetworkBackend):
    """No sockets: records the dial target and answers `answer`."""

    def __init__(self, answer: list[bytes] | None = None) -> None:
        self.answer = answer or [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]
        self.dials: list[tuple[str, int]] = []
        self.tls_names: list[str | None] = []
        self.written = b""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.dials.append((host, port))
        return FakeStream(self)


@contextmanager
def tripwire() -> Iterator[Tripwire]:
    wire = Tripwire()
    try:
        yield wire
    finally:
        wire.close()
