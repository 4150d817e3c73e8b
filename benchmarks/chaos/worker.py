"""A chaos run's dispatcher process: the body of the `sequences_dispatch` DAG's mapped
`send_batch` task (`dispatch_due` over one hash shard), on a simulated clock.

Started warm (imports done) and fed one shard per line on stdin, as a Celery or Kubernetes
worker takes mapped tasks: `{"start": ISO, "shard": i, "shards": n}`. Its clock reads
`start` plus the real time since the line arrived, so the driver moves days in seconds while
leases and backoffs still pass in real time. Each shard's summary (or the error that failed
it, as a failed task Airflow would retry) is one JSON line on stdout. Settings come from the
environment (SEQUENCES_DATABASE_URL, SEQUENCES_SENDER=ses, AWS_ENDPOINT_URL: the stand-in).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import dispatch_context, uow_factory
from sequences_core.services.dispatch import DispatchScope, dispatch_due


def simulated(start: datetime) -> Callable[[], datetime]:
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def main() -> None:
    settings = Settings.from_env()
    uows = uow_factory(settings)
    ctx = dispatch_context(settings, batch_size=int(sys.argv[1]) if len(sys.argv) > 1 else 100)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        order = json.loads(line)
        clock = simulated(datetime.fromisoformat(order["start"]))
        scope = DispatchScope(shard=(order["shard"], order["shards"]))
        try:
            done = dispatch_due(uows, replace(ctx, now=clock), scope).as_dict()
        except Exception as err:  # a failed task: reported, and the next order still runs
            done = {"error": f"{type(err).__name__}: {str(err)[:200]}"}
        print(json.dumps(done), flush=True)


if __name__ == "__main__":
    main()
