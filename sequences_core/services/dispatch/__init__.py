"""Dispatching: claim due enrollments, decide, commit, send, record (see `loop`).

| module | job |
|---|---|
| `context` | what a dispatcher is given and reports (context, scope, summary) |
| `batch` | one claimed batch's facts, loaded in a few queries |
| `decider` | the rules per enrollment (`rules.decide`), rendering, daily limits |
| `record` | the outcome of sends, and reconciliation after a crash |
| `loop` | the orchestration, batch after batch, and the shard plan |
"""

from sequences_core.services.dispatch.context import CycleSummary, DispatchContext, DispatchScope
from sequences_core.services.dispatch.loop import Shard, dispatch_due, plan_shards
from sequences_core.services.dispatch.record import reconcile_stale_sends

__all__ = [
    "CycleSummary",
    "DispatchContext",
    "DispatchScope",
    "Shard",
    "dispatch_due",
    "plan_shards",
    "reconcile_stale_sends",
]
