"""gunicorn's gthread worker, answering a request too long to parse in its route's own shape.

gunicorn refuses a request line past `limit_request_line` (8,190 bytes at most) or a header
past `limit_request_field_size` before the app sees it, with an HTML page of its own. The open
pixel is documented as a GIF, always, and the API answers the JSON error shape, so this worker
answers those refusals itself: the GIF on the pixel's path, the JSON shape anywhere else.
The path comes from the start of the request line, which gunicorn has read by then.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from gunicorn import util  # type: ignore[import-untyped]
from gunicorn.http.errors import (  # type: ignore[import-untyped]
    LimitRequestHeaders,
    LimitRequestLine,
)
from gunicorn.http.message import Request  # type: ignore[import-untyped]
from gunicorn.http.parser import RequestParser  # type: ignore[import-untyped]
from gunicorn.workers import gthread  # type: ignore[import-untyped]

_HEAD_BYTES = 2048  # of a too-long request line, enough to read its path
_DRAIN_BYTES = 1 << 20  # what is read of the rest of the request before closing
_DRAIN_SECONDS = 0.5


class _Request(Request):  # type: ignore[misc]
    """gunicorn's request, keeping the path of a request it refuses as too long."""

    def read_line(self, unreader: Any, buf: bytearray, limit: int = 0) -> Any:
        try:
            return super().read_line(unreader, buf, limit)
        except LimitRequestLine as err:  # `buf` holds what was read of the line
            err.path = request_path(bytes(buf[:_HEAD_BYTES]))
            raise

    def parse(self, unreader: Any) -> Any:
        try:
            return super().parse(unreader)
        except LimitRequestHeaders as err:  # the request line was read: `self.path` is set
            err.path = self.path or ""
            raise


def request_path(head: bytes) -> str:
    """The path of `METHOD /path?query HTTP/1.1`, from however much of the line was read."""
    parts = head.split(b" ", 2)
    target = parts[1] if len(parts) > 1 else b""
    return target.split(b"?", 1)[0].decode("latin-1")


def refusal(path: str, err: LimitRequestLine | LimitRequestHeaders) -> bytes:
    """The whole HTTP answer to a request refused as too long."""
    from tracking_app.registry import PREFIX
    from tracking_app.tracking import NO_STORE, PIXEL

    if path == f"{PREFIX}/track/open":
        return _response("200 OK", "image/gif", PIXEL, NO_STORE)
    if isinstance(err, LimitRequestLine):
        status, code = "414 URI Too Long", "request_uri_too_large"
        message = f"The URL is too long: at most {err.max_size:,} bytes with the method"
    else:
        status, code = "431 Request Header Fields Too Large", "request_header_fields_too_large"
        message = "A request header, or all of them, is too large"
    body = json.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
    return _response(status, "application/json", body, {})


def _response(status: str, media: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {media}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _drain(client: socket.socket) -> None:
    """Read (and drop) the rest of the request before closing: closing a socket with unread
    input sends a reset, which can make the client lose the answer it was just sent."""
    client.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + _DRAIN_SECONDS
    read = 0
    while read < _DRAIN_BYTES and (left := deadline - time.monotonic()) > 0:
        client.settimeout(left)
        chunk = client.recv(65536)
        if not chunk:
            return
        read += len(chunk)


class ThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    """The gthread worker with `refusal` answers (`gunicorn_conf.worker_class`)."""

    def init_process(self) -> None:
        # In this worker process only: its HTTP/1 parser makes `_Request`s.
        RequestParser.mesg_class = _Request
        super().init_process()

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: Exception) -> None:
        path = getattr(exc, "path", None)
        if not isinstance(exc, LimitRequestLine | LimitRequestHeaders) or path is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Refused a too-long request for %s from %s: %s", path[:200], addr, exc)
        try:
            util.write_nonblock(client, refusal(path, exc))
            _drain(client)
        except OSError:
            self.log.debug("Could not answer a too-long request")
