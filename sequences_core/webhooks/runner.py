"""Webhook calls made concurrently beside the dispatcher's email sending, never holding it up.

The dispatcher submits a batch's calls and goes on with its emails; it collects the results
later, by the batch's deadline at the latest. At most `in_flight` calls run at once in one
runner (one runner per dispatcher), and at most `per_host` of them to one host, so one slow
receiver cannot take every slot: a host's further calls wait in the runner, not in a worker
thread. Threads rather than asyncio: the engine is synchronous, and each call is one
short-lived HTTP exchange bounded by its timeout.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from urllib.parse import urlsplit

from sequences_core.webhooks.client import Delivery, WebhookCall, deliver

IN_FLIGHT = 16
PER_HOST = 4
# Deliver one call within a budget of seconds (`client.deliver`, a fake in tests).
Deliver = Callable[[WebhookCall, float], Delivery]


def _deliver(call: WebhookCall, budget: float) -> Delivery:
    return deliver(call, budget=budget)


class Batch:
    """A submitted list of calls; `results()` collects them."""

    def __init__(self, calls: Sequence[WebhookCall], deadline: float) -> None:
        self.calls = list(calls)
        self.deadline = deadline  # time.monotonic()
        self._slots: list[Delivery | None] = [None] * len(self.calls)
        self._missing = len(self.calls)
        self._changed = threading.Condition()

    def done(self) -> bool:
        with self._changed:
            return self._missing == 0

    def results(self) -> list[Delivery]:
        """Every call's Delivery, waiting at most until the deadline. A call still running
        then is reported retryable: it may yet reach the receiver, and its retry carries
        the same Idempotency-Key."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._missing == 0, max(self.deadline - time.monotonic(), 0)
            )
            return [
                found or _unfinished(call, "no answer before the batch's deadline")
                for call, found in zip(self.calls, self._slots, strict=True)
            ]

    def _put(self, index: int, delivery: Delivery) -> None:
        with self._changed:
            if self._slots[index] is None:
                self._slots[index] = delivery
                self._missing -= 1
                self._changed.notify_all()


def _unfinished(call: WebhookCall, reason: str) -> Delivery:
    return Delivery(call=call, outcome="retryable", reason=reason, retry_in=0.0)


class WebhookRunner:
    """Runs calls on `in_flight` threads, at most `per_host` to one host at a time."""

    def __init__(
        self, deliver: Deliver = _deliver, *, in_flight: int = IN_FLIGHT, per_host: int = PER_HOST
    ) -> None:
        self._deliver = deliver
        self._per_host = per_host
        self._pool = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="webhook")
        self._lock = threading.Lock()
        self._waiting: defaultdict[str, deque[tuple[Batch, int]]] = defaultdict(deque)
        self._running: defaultdict[str, int] = defaultdict(int)

    def submit(self, calls: Sequence[WebhookCall], deadline: float) -> Batch:
        """Start the calls and return at once; every result is in by `deadline` seconds."""
        batch = Batch(calls, time.monotonic() + deadline)
        with self._lock:
            for index, call in enumerate(batch.calls):
                self._waiting[_host(call.url)].append((batch, index))
            for host in {_host(call.url) for call in batch.calls}:
                self._start(host)
        return batch

    def _start(self, host: str) -> None:
        """Hand the host's waiting calls to the pool while it has slots (under the lock)."""
        queue = self._waiting[host]
        while queue and self._running[host] < self._per_host:
            batch, index = queue.popleft()
            self._running[host] += 1
            self._pool.submit(self._run, host, batch, index)
        if not queue:
            del self._waiting[host]

    def _run(self, host: str, batch: Batch, index: int) -> None:
        try:
            batch._put(index, self._attempt(batch.calls[index], batch.deadline))
        finally:
            with self._lock:
                self._running[host] -= 1
                if not self._running[host]:
                    del self._running[host]
                self._start(host)

    def _attempt(self, call: WebhookCall, deadline: float) -> Delivery:
        left = deadline - time.monotonic()
        if left <= 0:
            return _unfinished(call, "not started before the batch's deadline")
        try:
            return self._deliver(call, left)
        except Exception as err:  # a bug must not lose the call: it is tried again later
            return _unfinished(call, f"internal error: {type(err).__name__}: {err}"[:500])

    def close(self) -> None:
        """Stop taking calls; those running finish in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> WebhookRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
