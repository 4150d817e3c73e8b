"""sequences_dispatch: feedback first, then reconcile, plan shards, send them, summarise.

The pieces of `sequences_core.services.cycle.run_cycle` (what `sequences tick` and
`POST /execute` run in one go), one task each, with the sending mapped over hash shards.

Every 10 minutes. Replies and bounces that arrived since the last run are applied before
anything is sent; each mapped `send_batch` claims due enrollments of its hash shard with
SKIP LOCKED, so workers scale out without double sends; the `ses_send` pool and
`SEND_SLOTS` bound how many send at once, and each takes an equal share of the SES account's
rate. Params: `shards` (8), `batch_size` (500); Variable
`sequences_ses_max_send_rate` (the SES account's rate).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task
from sequences_runtime import DAG_DEFAULTS, SES_POOL

from sequences_core.runtime.config import SEND_SLOTS

MAX_SHARDS = 256


@dag(
    dag_id="sequences_dispatch",
    schedule=timedelta(minutes=10),
    params={
        "shards": Param(8, type="integer", minimum=1, maximum=MAX_SHARDS),
        "batch_size": Param(500, type="integer", minimum=1, maximum=5000),
    },
    doc_md=__doc__,
    **DAG_DEFAULTS,
)
def sequences_dispatch() -> None:
    @task
    def apply_feedback() -> dict[str, int]:
        from sequences_runtime import runtime

        return runtime().feedback_cycle()

    @task
    def reconcile_stale_sends() -> dict[str, int]:
        from sequences_runtime import runtime

        from sequences_core.services.cycle import reconcile

        rt = runtime()
        return reconcile(rt.uow, rt.dispatch_context()).as_dict()

    @task
    def plan_batches() -> list[dict[str, int]]:
        from sequences_runtime import runtime

        from sequences_core.clock import utcnow
        from sequences_core.services.dispatch import plan_shards

        shards = int(get_current_context()["params"]["shards"])
        with runtime().uow() as uow:
            planned = plan_shards(uow, utcnow(), shards)[:MAX_SHARDS]
        senders = min(len(planned), SEND_SLOTS)
        return [{**vars(s), "senders": senders} for s in planned]

    @task(pool=SES_POOL, max_active_tis_per_dagrun=SEND_SLOTS)
    def send_batch(shard: dict[str, int]) -> dict[str, int]:
        from sequences_runtime import runtime

        from sequences_core.services.dispatch import DispatchScope, dispatch_due

        rt = runtime(senders=shard.get("senders", SEND_SLOTS))
        ctx = rt.dispatch_context(int(get_current_context()["params"]["batch_size"]))
        scope = DispatchScope(shard=(shard["index"], shard["count"]))
        return dispatch_due(rt.uow, ctx, scope).as_dict()

    @task
    def summarise(results: list[dict[str, int]]) -> dict[str, Any]:
        from sequences_runtime import log_table

        total: dict[str, int] = {}
        for result in results:
            for key, value in result.items():
                total[key] = total.get(key, 0) + value
        summary = {
            "shards": len(results),
            "sent": total.get("sent", 0),
            "deferred_window": total.get("deferred_window", 0),
            "deferred_limit": total.get("deferred_limit", 0),
            "failed": total.get("failed", 0),
            "paused": total.get("paused", 0),
            "unknown": total.get("unknown", 0),
        }
        log_table("sequences_dispatch", summary)
        return summary

    planned = plan_batches()
    apply_feedback() >> reconcile_stale_sends() >> planned
    summarise(send_batch.expand(shard=planned))


sequences_dispatch()
