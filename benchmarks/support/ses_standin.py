"""A fault-injecting SES v2 stand-in on loopback, for benchmarks and chaos runs (issue 22).

moto stays the functional stand-in (identities, configuration sets, events). This one answers
the one call a dispatcher makes at volume, `SendEmail` (REST-JSON `POST
/v2/email/outbound-emails`, the raw MIME base64 in `Content.Raw.Data`), plus `GetEmailIdentity`
(`GET /v2/email/identities/{identity}`), with the faults that break promises elsewhere:

- added latency on every answer;
- a rate cap (a token bucket refilled at `rate`/s, `burst` deep) answering
  `TooManyRequestsException` (429), as SES does above the account's sending rate;
- a share of `InternalServiceErrorException` (500);
- a share of `MessageRejected` (400), and a `MessageRejected` for any sender outside the
  configured identities (when some are configured), as SES does for unverified senders;
- a share of requests accepted and recorded whose answer is dropped: the connection is reset
  (RST) after the record is on disk, so the client cannot know the email went out. This is the
  case that turns into a duplicate when a client retries it.

What SES accepted is what a chaos run checks the engine against, so it is recorded durably:
one JSON line per accepted message (answered or dropped) in the `record` file, written and
fsync'd before the client hears anything. The fsync is per batch (group commit): whatever
arrived while one fsync ran goes to disk with the next one, and each of those requests is
answered after its own line is synced. Per message it would cost an fsync of wall time per
request in a row; per batch it costs about one fsync per round of concurrent requests, and the
promise is the same: nothing answered as accepted, and nothing dropped, is missing from the file.
This host's shared disk takes 0.15-4 ms an fsync, so a client with few requests in flight
waits on it (one boto3 thread: ~270 sends/s, ~870 without). `fsync=False` (`--no-fsync`)
still writes each line to the OS before answering, which survives the stand-in's own kill -9
but not the host's crash: for throughput runs that kill nothing (scale-out).
A line holds `message_id` (the one answered), `accepted_at`, `answer` (sent | dropped),
`attempt` (this key's n-th attempt past the rate cap), `x_sequences_execution` (the header, or
null: our MIME does not carry it today; our sender puts the execution in the `execution_id` tag
and in `Message-ID`), `tags`, `from`, `to`, `configuration_set`, `message_id_header`,
`subject`, `date_header`, `bytes`, and with `keep_raw` the base64 `raw` message.

Every random choice comes from the seed, keyed by what the request is: a message's key is its
`X-Sequences-Execution` header, else its `execution_id` email tag (our sender's), else a digest
of the raw message, and the n-th attempt of one key (past the rate cap) always gets the same
fate and message id for one seed, whatever the order in which concurrent clients arrive.
Throttling alone depends on timing.

Fast enough not to be the bottleneck: one asyncio loop, a minimal HTTP/1.1 reader (keep-alive,
Content-Length bodies: what botocore sends), the journal's writes and fsyncs in a thread of
their own. `benchmarks/standin.py` measures it beside the dispatch rate.

    python -m benchmarks.support.ses_standin --port 0 --record var/standin.jsonl --rate 200 \\
        --error-share 0.05 --drop-share 0.01 --reject-share 0.01 --latency-ms 20 --seed 7

prints `listening http://127.0.0.1:PORT` (point `AWS_ENDPOINT_URL` there), serves until SIGTERM
or SIGINT, then prints its counts as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import hashlib
import json
import os
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

HOST = "127.0.0.1"  # loopback only: this is a test double, never a service
SEND_PATH = "/v2/email/outbound-emails"
IDENTITY_PREFIX = "/v2/email/identities/"
MAX_HEAD = 65_536
MAX_BODY = 50 * 1024 * 1024  # SES's own limit on a raw message, base64'd, is 40 MB
STAT_NAMES = (
    "requests",  # every request read
    "throttled",  # answered 429 by the rate cap
    "errors",  # answered 500 by the error share
    "rejected",  # answered 400 MessageRejected (share or unverified sender)
    "dropped",  # recorded, then the connection reset instead of an answer
    "sent",  # recorded and answered 200
    "identity_lookups",
)


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and how often. Shares are of the requests the rate cap lets through."""

    latency_ms: float = 0.0
    rate: float | None = None  # SendEmail calls per second before TooManyRequestsException
    burst: float | None = None  # the bucket's depth; one second's worth (at least 1) if None
    error_share: float = 0.0
    reject_share: float = 0.0
    drop_share: float = 0.0

    def __post_init__(self) -> None:
        shares = (self.error_share, self.reject_share, self.drop_share)
        if any(not 0.0 <= share <= 1.0 for share in shares) or sum(shares) > 1.0:
            raise ValueError("each share must be in [0, 1] and together at most 1")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive (None for no cap)")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")


@dataclass(frozen=True)
class _Request:
    method: str
    target: str
    body: bytes


def _response(status: int, payload: dict[str, Any], error_type: str | None = None) -> bytes:
    """JSON as SES's REST-JSON answers: botocore takes an error's code from `x-amzn-ErrorType`
    (up to a ':') and its message from the body's `message`."""
    body = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}
    lines = [
        f"HTTP/1.1 {status} {reason.get(status, 'Internal Server Error')}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if error_type:
        lines.append(f"x-amzn-ErrorType: {error_type}:")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _error(status: int, code: str, message: str) -> bytes:
    return _response(status, {"message": message}, code)


class _TokenBucket:
    """SES's maximum send rate: `rate` calls a second, `burst` of them at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class _Journal:
    """Appends records to the file; each append returns once its line is fsync'd.

    Group commit: lines that arrive while a write+fsync runs (in the journal's own thread, so
    the loop keeps reading requests) go to disk together in the next one.
    """

    def __init__(self, path: Path, fsync: bool) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.fsync = fsync
        self._pending: list[bytes] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="standin-journal")

    async def append(self, line: bytes) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._pending.append(line)
        self._waiters.append(waiter)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        await waiter

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                data, waiters = b"".join(self._pending), self._waiters
                self._pending, self._waiters = [], []
                try:
                    await loop.run_in_executor(self._thread, self._write, data)
                except OSError as err:
                    for waiter in waiters:
                        if not waiter.done():  # done: cancelled, its request abandoned
                            waiter.set_exception(err)
                    continue
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
        finally:
            self._flusher = None

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        if self.fsync:
            os.fsync(self.fd)

    async def close(self) -> None:
        if self._flusher is not None:
            await self._flusher
        self._thread.shutdown()
        os.close(self.fd)


class _Connection(asyncio.Protocol):
    """One client connection: reads keep-alive requests and answers them in order."""

    def __init__(self, standin: SesStandin) -> None:
        self.standin = standin
        self.buffer = bytearray()
        self.queue: deque[_Request] = deque()
        self.worker: asyncio.Task[None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.standin._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.standin._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            while (request := self._next_request()) is not None:
                self.queue.append(request)
        except ValueError as err:
            self._fail(str(err))
            return
        if self.queue and self.worker is None:
            self.worker = asyncio.create_task(self._work())

    def _next_request(self) -> _Request | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise ValueError("request head too long")
            return None
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "transfer-encoding" in headers:
            raise ValueError("only Content-Length bodies are read (botocore sends those)")
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            raise ValueError("request body too large")
        if len(self.buffer) < end + 4 + length:
            return None
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        return _Request(method, target, body)

    def _fail(self, message: str) -> None:
        if self.transport is not None:
            self.transport.write(_error(400, "BadRequestException", message))
            self.transport.close()

    async def _work(self) -> None:
        try:
            while self.queue and self.transport is not None:
                answer = await self.standin._answer(self.queue.popleft())
                if self.transport is None:
                    return
                if answer is None:
                    self._reset()
                    return
                self.transport.write(answer)
        finally:
            self.worker = None

    def _reset(self) -> None:
        """Close with RST (SO_LINGER 0), as a connection broken after the request is."""
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


class SesStandin:
    """The stand-in: `with SesStandin(path, faults=…, seed=…) as standin:` serves on
    `standin.endpoint` from a thread of its own; `serve_until_signal` serves in the foreground
    (the CLI). `stats()` counts what it answered; `read_records(path)` reads the record file."""

    def __init__(
        self,
        record: Path | str,
        *,
        faults: Faults | None = None,
        seed: int = 0,
        identities: Iterable[str] | None = None,
        keep_raw: bool = False,
        fsync: bool = True,
        port: int = 0,
    ) -> None:
        self.record = Path(record)
        self.faults = faults or Faults()
        self.seed = seed
        # Lowercased addresses and domains; empty means every sender is verified.
        self.identities = frozenset(i.lower() for i in identities or ())
        self.keep_raw = keep_raw
        self.fsync = fsync
        self.port = port
        self._key = hashlib.blake2b(str(seed).encode(), digest_size=32).digest()
        self._attempts: dict[bytes, int] = {}
        self._stats = dict.fromkeys(STAT_NAMES, 0)  # fixed keys: `stats()` copies it safely
        rate = self.faults.rate
        self._bucket = (
            None if rate is None else _TokenBucket(rate, self.faults.burst or max(1.0, rate))
        )
        self._headers = BytesHeaderParser(policy=compat32)
        self._server: asyncio.Server | None = None
        self._journal: _Journal | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[_Connection] = set()

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stats(self) -> dict[str, int]:
        return dict(self._stats)

    # --- serving ---------------------------------------------------------------------------

    async def _open(self) -> None:
        self._journal = _Journal(self.record, self.fsync)
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _Connection(self), HOST, self.port, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        """Stop listening, end open connections (a client waiting on one hears it closed, not
        nothing until its timeout), and let the journal's last lines reach the disk."""
        assert self._server is not None and self._journal is not None
        self._server.close()
        workers = [c.worker for c in self._connections if c.worker is not None]
        for connection in list(self._connections):
            if connection.transport is not None:
                connection.transport.abort()
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await self._journal.close()

    def start(self) -> str:
        """Serve from a daemon thread; returns the endpoint once it accepts connections."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as err:  # reported to start()'s caller
                failure.append(err)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=run, name="ses-standin", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self.endpoint

    def stop(self) -> None:
        """Stop serving once the journal's last lines are on disk."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> SesStandin:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def serve_until_signal(self) -> None:
        """The CLI: serve in this process until SIGTERM or SIGINT."""
        await self._open()
        print(f"listening {self.endpoint}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await self._close()
        print(json.dumps(self.stats()), flush=True)

    # --- answering -------------------------------------------------------------------------

    async def _answer(self, request: _Request) -> bytes | None:
        """The response to send, or None to reset the connection instead."""
        self._stats["requests"] += 1
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        if request.method == "POST" and request.target.split("?")[0] == SEND_PATH:
            return await self._send_email(request.body)
        if request.method == "GET" and request.target.startswith(IDENTITY_PREFIX):
            return self._get_identity(unquote(request.target[len(IDENTITY_PREFIX) :]))
        return _error(404, "UnknownOperationException", f"{request.method} {request.target}")

    def _verified(self, address: str) -> bool:
        address = address.lower()
        return address in self.identities or address.rpartition("@")[2] in self.identities

    def _get_identity(self, identity: str) -> bytes:
        self._stats["identity_lookups"] += 1
        if self.identities and not self._verified(identity):
            return _error(404, "NotFoundException", f"Email identity {identity} does not exist.")
        kind = "EMAIL_ADDRESS" if "@" in identity else "DOMAIN"
        return _response(
            200,
            {
                "IdentityType": kind,
                "VerificationStatus": "SUCCESS",
                "VerifiedForSendingStatus": True,
                "FeedbackForwardingStatus": True,
            },
        )

    def _fate(self, key: bytes) -> tuple[float, str]:
        """This key's next attempt: a uniform draw and the message id, both from the seed."""
        attempt = self._attempts.get(key, 0) + 1
        self._attempts[key] = attempt
        digest = hashlib.blake2b(
            key + attempt.to_bytes(4, "big"), key=self._key, digest_size=16
        ).digest()
        return int.from_bytes(digest[:8], "big") / 2**64, f"standin-{digest.hex()}"

    async def _send_email(self, body: bytes) -> bytes | None:
        if self._bucket is not None and not self._bucket.take():
            self._stats["throttled"] += 1
            return _error(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
        try:
            call = json.loads(body)
            raw = base64.b64decode(call["Content"]["Raw"]["Data"], validate=True)
            tags = {t["Name"]: t["Value"] for t in call.get("EmailTags") or ()}
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            return _error(400, "BadRequestException", "expected Content.Raw.Data, base64")
        end = raw.find(b"\r\n\r\n")  # the header block only: the parser reads all it is given
        head = self._headers.parsebytes(raw if end < 0 else raw[: end + 2])
        sender = call.get("FromEmailAddress") or parseaddr(head.get("From", ""))[1]
        if self.identities and not self._verified(sender):
            self._stats["rejected"] += 1
            return _error(
                400,
                "MessageRejected",
                f"Email address is not verified. The following identities failed the check: "
                f"{sender}",
            )
        execution = head.get("X-Sequences-Execution")
        key = (execution or tags.get("execution_id") or hashlib.sha256(raw).hexdigest()).encode()
        draw, message_id = self._fate(key)
        faults = self.faults
        if draw < faults.error_share:
            self._stats["errors"] += 1
            return _error(500, "InternalServiceErrorException", "Internal failure (injected).")
        draw -= faults.error_share
        if draw < faults.reject_share:
            self._stats["rejected"] += 1
            return _error(400, "MessageRejected", "Message rejected (injected).")
        dropped = draw - faults.reject_share < faults.drop_share
        destination = call.get("Destination") or {}
        record: dict[str, Any] = {
            "message_id": message_id,
            "accepted_at": datetime.now(UTC).isoformat(),
            "answer": "dropped" if dropped else "sent",
            "attempt": self._attempts[key],
            "x_sequences_execution": execution,
            "tags": tags,
            "from": sender,
            "to": destination.get("ToAddresses")
            or [a for _, a in getaddresses(head.get_all("To", []))],
            "configuration_set": call.get("ConfigurationSetName"),
            "message_id_header": head.get("Message-ID"),
            "subject": head.get("Subject"),
            "date_header": head.get("Date"),
            "bytes": len(raw),
        }
        if self.keep_raw:
            record["raw"] = call["Content"]["Raw"]["Data"]
        assert self._journal is not None
        await self._journal.append(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        if dropped:
            self._stats["dropped"] += 1
            return None
        self._stats["sent"] += 1
        return _response(200, {"MessageId": message_id})


def read_records(path: Path | str) -> list[dict[str, Any]]:
    """Every record in a stand-in's file, in the order they reached the disk."""
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a share is between 0 and 1")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.support.ses_standin",
        description="A fault-injecting SES v2 SendEmail stand-in on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--record", type=Path, required=True, help="JSON Lines, appended")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=None, help="sends/s before 429s")
    parser.add_argument("--burst", type=float, default=None, help="default: one second's")
    parser.add_argument("--error-share", type=_share, default=0.0, help="500s")
    parser.add_argument("--reject-share", type=_share, default=0.0, help="MessageRejected")
    parser.add_argument("--drop-share", type=_share, default=0.0, help="recorded, then reset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--identity",
        action="append",
        default=[],
        help="a verified address or domain (repeatable); none: every sender is verified",
    )
    parser.add_argument("--keep-raw", action="store_true", help="record the base64 raw MIME")
    parser.add_argument(
        "--no-fsync", action="store_true", help="write each line to the OS, without fsync"
    )
    args = parser.parse_args(argv)
    try:
        faults = Faults(
            latency_ms=args.latency_ms,
            rate=args.rate,
            burst=args.burst,
            error_share=args.error_share,
            reject_share=args.reject_share,
            drop_share=args.drop_share,
        )
    except ValueError as err:
        parser.error(str(err))
    standin = SesStandin(
        args.record,
        faults=faults,
        seed=args.seed,
        identities=args.identity,
        keep_raw=args.keep_raw,
        fsync=not args.no_fsync,
        port=args.port,
    )
    asyncio.run(standin.serve_until_signal())


if __name__ == "__main__":
    main()
