"""Tracking hits held in the worker and written in batches, so no hit waits on the database.

A background thread writes whenever `batch` hits are waiting or `interval` seconds have
passed, and once more when the worker exits (gunicorn's `worker_exit`, then `atexit`). A
hard crash (kill -9, power loss) can lose at most what arrived since the last write: one
interval. The buffer is bounded: when full, the oldest machine opens are dropped first
(then the oldest opens, then the oldest hits), and every drop is counted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence

from sequences_core.rules.engagement import machine_reason
from sequences_core.services.tracking import Hit

log = logging.getLogger(__name__)

Writer = Callable[[Sequence[Hit]], int]


class HitBuffer:
    def __init__(
        self, write: Writer, *, batch: int = 200, interval: float = 0.2, capacity: int = 20_000
    ) -> None:
        self._write = write
        self.batch, self.interval, self.capacity = batch, interval, capacity
        self._hits: deque[Hit] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0
        self.written = 0
        self.failures = 0

    def add(self, hit: Hit) -> None:
        with self._lock:
            if len(self._hits) >= self.capacity:
                self._drop_one()
            self._hits.append(hit)
            full = len(self._hits) >= self.batch
        self._ensure_thread()
        if full:
            self._wake.set()

    def _drop_one(self) -> None:
        """Make room, sacrificing what is worth least: machine opens, then opens, then any."""
        tests: tuple[Callable[[Hit], bool], ...] = (
            lambda h: h.kind == "open" and machine_reason(h.user_agent, h.ip) is not None,
            lambda h: h.kind == "open",
        )
        for wanted in tests:
            for i, hit in enumerate(self._hits):
                if wanted(hit):
                    del self._hits[i]
                    self.dropped += 1
                    return
        self._hits.popleft()
        self.dropped += 1

    def pending(self) -> int:
        with self._lock:
            return len(self._hits)

    def _ensure_thread(self) -> None:
        # Started lazily, in the process that serves: gunicorn forks after the app is built.
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="hit-buffer", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write everything waiting now; on failure keep it for the next try."""
        with self._lock:
            taken = list(self._hits)
            self._hits.clear()
        if not taken:
            return 0
        try:
            written = self._write(taken)
        except Exception:
            self.failures += 1
            log.exception("writing %d tracking hits failed; kept for the next flush", len(taken))
            with self._lock:
                room = max(0, self.capacity - len(self._hits))
                kept = taken[-room:] if room else []
                self.dropped += len(taken) - len(kept)
                self._hits.extendleft(reversed(kept))
            return 0
        self.written += written
        return written

    def close(self) -> None:
        """Stop the thread and write what is left (worker exit)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()
