"""gunicorn settings for the tracking app: threaded workers, hits flushed on worker exit."""

from __future__ import annotations

import gc
import os
from typing import Any

bind = os.environ.get("SEQUENCES_TRACKING_BIND", "127.0.0.1:5050")
wsgi_app = "tracking_app.wsgi:app"
# gthread, answering requests too long to parse as their route does (the pixel's GIF, the
# API's JSON) instead of gunicorn's HTML page; its hook is in gunicorn's Python parser.
worker_class = "tracking_app.gunicorn_worker.ThreadWorker"
http_parser = "python"
# URLs up to gunicorn's maximum (default 4,094): a long token or query string is served.
limit_request_line = 8190
# More processes with fewer threads each: a gthread worker's threads share one GIL, and each
# return from socket I/O waits for it behind the others, so the longer a request's Python
# the worse 8 threads do (the open pixel: 0.61-0.77 of a bare route at 2 x 8, 0.76-0.81 at
# 4 x 2, on 2 cores). Threads still overlap the API's database waits.
workers = int(os.environ.get("SEQUENCES_TRACKING_WORKERS", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("SEQUENCES_TRACKING_THREADS", "2"))
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("SEQUENCES_TRACKING_ACCESS_LOG") or None


def post_worker_init(worker: Any) -> None:
    """Freeze what the imports made (~115k objects): a full collection walks them all, which
    takes ~100 ms here and stalls every thread of the worker, the p99 of every route."""
    gc.collect()
    gc.freeze()


def worker_exit(server: Any, worker: Any) -> None:
    """Write the hits still buffered before the worker goes (graceful stop, SIGTERM)."""
    app = getattr(worker.wsgi, "__self__", None) or worker.wsgi
    state = getattr(app, "extensions", {}).get("sequences")
    if state is not None:
        state.hits.close()
