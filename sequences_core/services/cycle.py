"""One cycle, composed once: feedback, then reconciliation, then dispatch.

`sequences tick`, `POST /execute`, the dev stack's loop and the `sequences_dispatch` DAG all
run the same three pieces in the same order (DESIGN.md, step 1: feedback first, so a reply
that arrived a minute ago pauses its enrollment before the follow-up is claimed). The DAG
runs each piece as its own task, and its mapped `send_batch` runs `dispatch_due` alone: the
sends left `sending` by a crash are reconciled once per cycle, not once per shard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sequences_core.db.uow import UnitOfWork
from sequences_core.services.dispatch import (
    CycleSummary,
    DispatchContext,
    DispatchScope,
    dispatch_due,
    reconcile_stale_sends,
)
from sequences_core.services.feedback import FeedbackSummary
from sequences_core.services.ingest import Feeds, run_feedback_cycle


@dataclass(frozen=True)
class CycleReport:
    feedback: FeedbackSummary
    dispatch: CycleSummary

    def as_dict(self) -> dict[str, int]:
        """The dispatch counts, then the feedback counts prefixed `feedback_`."""
        feedback = {f"feedback_{k}": v for k, v in self.feedback.as_dict().items()}
        return {**self.dispatch.as_dict(), **feedback}


def apply_feedback(
    uow_factory: Callable[[], UnitOfWork], feeds: Feeds | None, now: Callable[[], datetime]
) -> FeedbackSummary:
    """Every feed that is configured, then the reputation guard (a no-op without feeds)."""
    if feeds is None or not feeds.configured:
        return FeedbackSummary()
    return run_feedback_cycle(uow_factory, feeds, now)


def reconcile(uow_factory: Callable[[], UnitOfWork], ctx: DispatchContext) -> CycleSummary:
    with uow_factory() as uow:
        return reconcile_stale_sends(uow, ctx.sender, ctx.now())


def run_cycle(
    uow_factory: Callable[[], UnitOfWork],
    ctx: DispatchContext,
    feeds: Feeds | None = None,
    scope: DispatchScope | None = None,
) -> CycleReport:
    """Feedback, reconcile, then claim and send until nothing in `scope` is due."""
    feedback = apply_feedback(uow_factory, feeds, ctx.now)
    summary = reconcile(uow_factory, ctx)
    summary.add(dispatch_due(uow_factory, ctx, scope))
    return CycleReport(feedback, summary)
