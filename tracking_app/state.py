"""What the app holds between requests, and the per-request unit of work."""

from __future__ import annotations

import atexit
import threading
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request

from sequences_core.clock import utcnow
from sequences_core.db.uow import UnitOfWork
from sequences_core.feedback.sns import CertFetcher
from sequences_core.rules import api_keys
from sequences_core.rules.rate import RateLimiter
from sequences_core.rules.tokens import Tokens
from sequences_core.runtime.config import Settings
from sequences_core.senders import Sender
from sequences_core.services.dispatch import DispatchContext
from sequences_core.services.ingest import Feeds
from sequences_core.services.mailboxes import IdentityCheck
from sequences_core.services.organizations import KEY_USE_RESOLUTION, touch_api_key
from sequences_core.services.organizations import authenticate as authenticate_key
from sequences_core.services.tracking import GeoLookup, Hit, record_hits
from tracking_app.errors import TooManyRequests, Unauthorized
from tracking_app.hit_buffer import HitBuffer

_CERTIFICATES: dict[str, bytes] = {}


def fetch_certificate(url: str) -> bytes:
    """SNS signing certificates, fetched once per worker (callers check the URL is AWS's)."""
    if url not in _CERTIFICATES:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (https, AWS host)
            _CERTIFICATES[url] = answer.read(65536)
    return _CERTIFICATES[url]


def confirm_subscription(url: str) -> None:
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (https, AWS host)
        answer.read(65536)


@dataclass
class AppState:
    settings: Settings
    uow: Callable[[], UnitOfWork]
    tokens: Tokens
    fetch_certificate: CertFetcher = fetch_certificate
    confirm_subscription: Callable[[str], None] = confirm_subscription
    geo: GeoLookup | None = None
    api_rate: float = 10.0
    api_burst: float = 20.0
    sender_factory: Callable[[], Sender] | None = None
    feeds_factory: Callable[[], Feeds] | None = None
    hits: HitBuffer = field(init=False)
    _limiters: dict[str, RateLimiter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _dispatch: DispatchContext | None = None
    _feeds: Feeds | None = None
    _identity_check: IdentityCheck | None = None

    def __post_init__(self) -> None:
        self.hits = HitBuffer(self._write_hits)
        atexit.register(self.hits.close)

    def _write_hits(self, hits: Sequence[Hit]) -> int:
        with self.uow() as unit:
            return record_hits(unit, hits, self.geo)

    def limiter(self, key: str) -> RateLimiter:
        with self._lock:
            found = self._limiters.get(key)
            if found is None:
                found = self._limiters[key] = RateLimiter(self.api_rate, self.api_burst)
            return found

    def dispatch(self) -> DispatchContext:
        """Built on first use: the sender's clients and pools are made once per worker."""
        with self._lock:
            if self._dispatch is None:
                from sequences_core.runtime.wiring import dispatch_context

                sender = self.sender_factory() if self.sender_factory else None
                self._dispatch = dispatch_context(self.settings, sender)
            return self._dispatch

    def identity_check(self) -> IdentityCheck:
        """How a new mailbox's address is checked with the sender; its client is made once
        per worker, on first use."""
        with self._lock:
            if self._identity_check is None:
                from sequences_core.runtime.wiring import identity_check

                self._identity_check = identity_check(self.settings)
            return self._identity_check

    def feeds(self) -> Feeds:
        """The feedback feeds a cycle reads first; built on first use, once per worker."""
        with self._lock:
            if self._feeds is None:
                from sequences_core.runtime.wiring import build_feeds

                self._feeds = (
                    self.feeds_factory() if self.feeds_factory else build_feeds(self.settings)
                )
            return self._feeds


def state() -> AppState:
    found: AppState = current_app.extensions["sequences"]
    return found


def unit() -> UnitOfWork:
    """This request's unit of work, opened on first use and closed at teardown."""
    if "uow" not in g:
        g.uow = state().uow()
        g.uow.__enter__()
    found: UnitOfWork = g.uow
    return found


def close_unit(_exc: BaseException | None = None) -> None:
    found: Any = g.pop("uow", None)
    if found is not None:
        found.__exit__(None, None, None)


def authenticate() -> uuid.UUID:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`")
    owner = authenticate_key(unit(), key)
    if owner is None:
        raise Unauthorized("API key unknown or revoked")
    g.api_key_prefix = api_keys.prefix_of(key)
    now = utcnow()
    if owner.last_used_at is None or owner.last_used_at < now - KEY_USE_RESOLUTION:
        with state().uow() as side:  # its own transaction: a GET's unit never commits
            touch_api_key(side, owner.key_id, now)
    return owner.organization_id


def actor() -> str:
    """Who is making this request, as the audit log names them: the API key's prefix."""
    return f"api_key:{g.api_key_prefix}"


def rate_limit() -> None:
    """Per API key, per worker process: `api_rate` requests/s with bursts of `api_burst`."""
    wait = state().limiter(str(g.get("api_key_prefix"))).try_acquire()
    if wait:
        raise TooManyRequests(wait)


def org() -> uuid.UUID:
    found: uuid.UUID = g.org_id
    return found
