"""One webhook call over HTTP (httpx), and what its answer means.

The call connects to the address the guard checked and to no other: httpx's transport runs
on an httpcore connection pool whose network backend dials that address whatever host it
is asked for, while the Host header and TLS (SNI and the certificate check) keep the URL's
host. A second DNS lookup, which a rebinding attacker would answer with 127.0.0.1, never
happens. Proxies from the environment are ignored (they would dial elsewhere), redirects are
not followed (a 3xx is a permanent failure: following one would need the guard again for
every hop, and a receiver that moved can have its step updated), and the whole call,
connect to last byte, ends within its timeout.

`classify` judges an answer without I/O: success (2xx), retryable (no answer, a timeout,
429, 5xx; after `Retry-After` if the receiver gave one, else exponential backoff with full
jitter) or permanent (any other status, a refused URL).
"""

from __future__ import annotations

import email.utils
import math
import random
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

import httpcore
import httpx

from sequences_core.webhooks.guard import (
    AllowList,
    ResolveFailed,
    Resolver,
    Target,
    UrlRefused,
    check_url,
    system_resolver,
)
from sequences_core.webhooks.headers import request_headers
from sequences_core.webhooks.signing import sign

if TYPE_CHECKING:
    from sequences_core.schemas import WebhookConfig

Outcome = Literal["success", "retryable", "permanent"]
METHODS = ("POST", "PUT", "PATCH")
DEFAULT_TIMEOUT = 10.0
KEPT_BODY_BYTES = 2048  # of the receiver's answer, for the execution's record
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
MAX_RETRY_AFTER = 72 * 3600.0  # a step gives up after at most 72 hours anyway
_JITTER = random.SystemRandom()


@dataclass(frozen=True)
class WebhookCall:
    """One attempt of one webhook step, everything it needs to go out."""

    url: str
    body: bytes
    secret: str
    idempotency_key: str  # the execution's: the same on every attempt
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    attempt: int = 1
    allow: AllowList = field(default_factory=AllowList)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    retry_in: float | None = None  # seconds, for a retryable outcome


@dataclass(frozen=True)
class Delivery:
    """What became of a call, for the execution's record and the retry policy."""

    call: WebhookCall
    outcome: Outcome
    reason: str
    retry_in: float | None = None
    status: int | None = None
    response_body: str = ""
    address: str | None = None  # the address dialled, if the guard admitted the URL
    seconds: float = 0.0


def call_for_step(
    config: WebhookConfig, *, body: bytes, idempotency_key: str, attempt: int, allow: AllowList
) -> WebhookCall:
    """The call a webhook step's config (stored, read back with `WebhookConfig`) makes."""
    return WebhookCall(
        url=str(config.url),
        body=body,
        secret=config.secret,
        idempotency_key=idempotency_key,
        method=config.method,
        headers=dict(config.headers),
        timeout=float(config.timeout_seconds),
        attempt=attempt,
        allow=allow,
    )


def deliver(
    call: WebhookCall,
    *,
    budget: float | None = None,
    resolver: Resolver = system_resolver,
    network: httpcore.NetworkBackend | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.time,
) -> Delivery:
    """Make the call once and judge the answer. Never raises for what the receiver, the
    network or the URL does: that is the Delivery's outcome.

    `budget` (seconds) shortens the call's own timeout (a batch's deadline); `network` is
    the backend sockets come from (httpcore's own by default; tests record dials instead).
    """
    started = time.monotonic()
    deadline = started + min(call.timeout, math.inf if budget is None else budget)
    address = status = None
    kept = b""
    headers: Mapping[str, str] = {}
    error: Exception | None = None
    try:
        target = check_url(call.url, call.allow, resolver)
        address = str(target.address)
        status, headers, kept = _exchange(call, target, network, deadline, clock)
    except (UrlRefused, ResolveFailed, httpx.HTTPError, httpx.InvalidURL, ValueError) as err:
        error = err
    verdict = classify(
        status, headers, error, attempt=call.attempt, now=clock(), rng=rng or _JITTER
    )
    return Delivery(
        call=call,
        outcome=verdict.outcome,
        reason=verdict.reason,
        retry_in=verdict.retry_in,
        status=status,
        response_body=kept.decode("utf-8", "replace"),
        address=address,
        seconds=time.monotonic() - started,
    )


def _exchange(
    call: WebhookCall,
    target: Target,
    network: httpcore.NetworkBackend | None,
    deadline: float,
    clock: Callable[[], float],
) -> tuple[int, httpx.Headers, bytes]:
    """Send the request to the checked address; the status, headers and first bytes back."""
    backend = _PinnedBackend(network or httpcore.SyncBackend(), target, deadline)
    left = max(deadline - time.monotonic(), 0.001)
    with (
        httpx.Client(
            transport=_PinnedTransport(backend),
            timeout=httpx.Timeout(left),
            follow_redirects=False,
            trust_env=False,
        ) as client,
        client.stream(
            call.method, call.url, content=call.body, headers=_headers(call, clock())
        ) as response,
    ):
        return response.status_code, response.headers, _first_bytes(response.iter_raw())


def _headers(call: WebhookCall, now: float) -> dict[str, str]:
    return request_headers(
        call.headers,
        idempotency_key=call.idempotency_key,
        signature=sign(call.body, call.secret, int(now)),
    )


def _first_bytes(chunks: Iterable[bytes]) -> bytes:
    """Up to KEPT_BODY_BYTES of the answer; the rest is never read (the connection closes).
    The status is in by now: a body cut short or too slow keeps what came, and the verdict."""
    kept = b""
    try:
        for chunk in chunks:
            kept += chunk[: KEPT_BODY_BYTES - len(kept)]
            if len(kept) >= KEPT_BODY_BYTES:
                break
    except httpx.TransportError:
        pass
    return kept


# --- judging an answer ---------------------------------------------------------------------


def classify(
    status: int | None,
    headers: Mapping[str, str],
    error: Exception | None,
    *,
    attempt: int,
    now: float,
    rng: random.Random,
) -> Verdict:
    """What an answer (a status and its headers) or its absence (an error) means.

    `attempt` (1 is the first) sizes the backoff; `now` (unix seconds) reads an HTTP-date
    `Retry-After`; `rng` draws the jitter.
    """
    if error is not None:
        return _error_verdict(error, attempt, rng)
    assert status is not None
    words = _status_words(status)
    if 200 <= status < 300:
        return Verdict("success", words)
    if status == 429 or 500 <= status < 600:
        wait = retry_after(headers.get("retry-after"), now)
        return Verdict("retryable", words, backoff(attempt, rng) if wait is None else wait)
    if 300 <= status < 400:
        location = (headers.get("location") or "no Location")[:300]
        return Verdict("permanent", f"redirect not followed: {words} to {location}")
    return Verdict("permanent", words)


# Transport errors about the request we built (a header httpx cannot send), not the network.
_OUR_FAULT = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


def _status_words(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _error_verdict(error: Exception, attempt: int, rng: random.Random) -> Verdict:
    """No answer: the network's fault is worth another try, the call's own is not."""
    what = f"{type(error).__name__}: {error}"[:500]
    if isinstance(error, UrlRefused):
        return Verdict("permanent", f"refused: {error.reason}")
    if isinstance(error, ResolveFailed):
        return Verdict("retryable", f"dns: {error.reason}", backoff(attempt, rng))
    if isinstance(error, httpx.TimeoutException):
        return Verdict("retryable", f"timeout: {what}", backoff(attempt, rng))
    if isinstance(error, httpx.TransportError) and not isinstance(error, _OUR_FAULT):
        return Verdict("retryable", f"connection failed: {what}", backoff(attempt, rng))
    return Verdict("permanent", f"request not sendable: {what}")


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay-seconds or an HTTP-date), within
    [0, 72 h]; None if there is none or it cannot be read."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        seconds = float(text[:12])
    else:
        try:
            seconds = email.utils.parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff(attempt: int, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(1 h, 30 s * 2^(attempt - 1))], so receivers that
    failed together are not all called again at the same instant."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(max(attempt - 1, 0), 20))
    return rng.uniform(0, ceiling)


# --- the pinned connection -----------------------------------------------------------------


@cache
def _tls() -> ssl.SSLContext:
    """One context for every call: loading the CA bundle costs milliseconds each time."""
    return httpx.create_ssl_context()


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport (request mapping, error mapping) over a pool that dials only
    through `backend`. `_pool` is the one attribute of httpx this relies on; the tests that
    record every dial fail if an upgrade renames it."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        super().__init__(verify=_tls(), trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls(), max_connections=1, network_backend=backend
        )


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens every connection to the checked address and port, under the call's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend, target: Target, deadline: float) -> None:
        self._inner, self._target, self._deadline = inner, target, deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            str(self._target.address),
            self._target.port,
            _within(self._deadline, timeout, httpcore.ConnectTimeout),
            local_address,
            socket_options,
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhook calls never use unix sockets")


def _within(deadline: float, timeout: float | None, expired: type[Exception]) -> float:
    """The smaller of an operation's timeout and the time left; `expired` once none is."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the webhook call's time is up")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read and write ends by the call's deadline: httpx's timeouts
    are per operation, so a receiver dripping a byte a second would otherwise hold a call
    (and the runner's slot) for as long as it liked."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner, self._deadline = inner, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _within(self._deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _within(self._deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = _within(self._deadline, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, wait), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
