"""Token buckets shared across threads: the SES account's max send rate, API rate limits."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, per_second: float, burst: float | None = None) -> None:
        if per_second <= 0:
            raise ValueError("rate must be positive")
        self.rate = per_second
        self.capacity = burst if burst is not None else max(1.0, per_second)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def try_acquire(self) -> float:
        """Take a token if there is one: 0.0, else the seconds until there will be."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self) -> None:
        while wait := self.try_acquire():
            time.sleep(wait)
