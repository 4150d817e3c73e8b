"""gunicorn settings for the tracking app: threaded workers, hits flushed on worker exit."""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("SEQUENCES_TRACKING_BIND", "127.0.0.1:5050")
wsgi_app = "tracking_app.wsgi:app"
worker_class = "gthread"
workers = int(os.environ.get("SEQUENCES_TRACKING_WORKERS", "2"))
threads = int(os.environ.get("SEQUENCES_TRACKING_THREADS", "8"))
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("SEQUENCES_TRACKING_ACCESS_LOG") or None


def worker_exit(server: Any, worker: Any) -> None:
    """Write the hits still buffered before the worker goes (graceful stop, SIGTERM)."""
    app = getattr(worker.wsgi, "__self__", None) or worker.wsgi
    state = getattr(app, "extensions", {}).get("sequences")
    if state is not None:
        state.hits.close()
