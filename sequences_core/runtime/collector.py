"""The garbage collector kept off the dispatch cycle's hot path."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CollectorOutOfTheWay:
    """Keep the garbage collector's walks off the cycles' hot path. A batch's objects live
    long enough to be promoted, so with the defaults full collections over the whole heap
    (imports, mappers, caches) came every few batches and young ones every 700 objects, a
    cost per email the benchmark showed. While any cycle runs, what the process held before
    is frozen and young collections wait for 20,000 new objects; the last cycle to end puts
    both back. A process that froze its own heap (gunicorn's workers) keeps its freeze as it
    was: only the threshold moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._threshold: tuple[int, int, int] = gc.get_threshold()
        self._froze = False

    @contextmanager
    def during_a_cycle(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._threshold = gc.get_threshold()
                self._froze = gc.get_freeze_count() == 0
                if self._froze:
                    gc.freeze()
                gc.set_threshold(max(self._threshold[0], 20_000), *self._threshold[1:])
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.set_threshold(*self._threshold)
                    if self._froze:
                        gc.unfreeze()


collector = CollectorOutOfTheWay()
