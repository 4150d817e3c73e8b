"""Timing a call beside busy threads: a call that lets go of the GIL (a system call such as
`os.urandom`, OpenSSL's one-shot HMAC) waits for a busy thread's switch interval to get it
back, 100-1,000 times its own cost. The engine's sender thread and gunicorn's worker
threads are such neighbours."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable


def seconds_beside_busy_threads(call: Callable[[], object], count: int, busy: int = 2) -> float:
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    spinners = [threading.Thread(target=spin) for _ in range(busy)]
    for spinner in spinners:
        spinner.start()
    try:
        start = time.perf_counter()
        for _ in range(count):
            call()
        return time.perf_counter() - start
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()


def holds_the_gil(call: Callable[[], object], count: int = 2_000, rounds: int = 2) -> bool:
    """True when, in each run, a call averages under a fiftieth of a switch interval (100 µs;
    one that lets go of the GIL averages 0.4-10 ms beside two busy threads, measured here,
    and one that holds it, a few times its own cost: the spinners get their share)."""
    limit = count * sys.getswitchinterval() / 50
    return all(seconds_beside_busy_threads(call, count) < limit for _ in range(rounds))
