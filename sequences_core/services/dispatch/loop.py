"""Claim, decide, commit, send, record: batch after batch until nothing is due.

The order is what makes it safe:
1. claim a batch with FOR UPDATE SKIP LOCKED (no two dispatchers share a row);
2. decide each enrollment and render its email; reserve the daily limits; write each
   execution (`sending`, unique idempotency key) and commit, before any network call;
3. send outside any transaction;
4. record the outcome and advance the enrollment.
A crash between 3 and 4 leaves `sending` rows; `record.reconcile_stale_sends` settles
them by asking the sender, and never resends what may already have gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, text

from sequences_core.db import dispatch_sql as sql
from sequences_core.db.bulk import batch_params, json_rows, uuid_array
from sequences_core.db.models import (
    CrmTask,
    table_of,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.runtime.collector import collector
from sequences_core.services.dispatch import webhook_steps
from sequences_core.services.dispatch.batch import load_batch
from sequences_core.services.dispatch.context import CycleSummary, DispatchContext, DispatchScope
from sequences_core.services.dispatch.decider import BatchDecider, Pending
from sequences_core.services.dispatch.record import record_sends


def claim(
    uow: UnitOfWork, now: datetime, limit: int, scope: DispatchScope, busy: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """`busy`: the batch this process has in flight. Its rows may come due again while it is
    sent (a send slower than the lease); claimed here, their locks would be held by this thread
    while it waits for the other thread, whose record of that batch waits for those locks."""
    filters, params = scope.sql()
    rows = uow.session.execute(
        text(sql.CLAIM.format(filters=filters)),
        {"now": now, "limit": limit, "busy": uuid_array(busy), **params},
    )
    return [row[0] for row in rows]


def decide_batch(
    ctx: DispatchContext,
    uow_factory: Callable[[], UnitOfWork],
    scope: DispatchScope,
    now: datetime,
    busy: Sequence[uuid.UUID] = (),
) -> BatchDecider | None:
    """Claim a batch and decide it: render every email that may go. No writes yet; None when
    nothing is due. The claim's transaction (its row locks) goes on with the decider, to be
    committed and closed by `send_batch`."""
    uow = uow_factory().open()
    try:
        ids = claim(uow, now, ctx.batch_size, scope, busy)
        if not ids:
            uow.close()
            return None
        decider = BatchDecider(ctx, uow, load_batch(uow, ids), now)
        for enrollment in decider.batch.enrollments:
            decider.decide_alone(enrollment)
    except BaseException:
        uow.close()
        raise
    return decider


def commit_decisions(decider: BatchDecider) -> list[Pending]:
    """Reserve the daily limits, write every decision, commit: the emails now ready to go."""
    uow = decider.uow
    ready = decider.allocate() if decider.candidates else []
    if decider.executions:
        uow.session.execute(sql.INSERT_EXECUTIONS, {"rows": json_rows(decider.executions)})
    if decider.tasks:
        uow.session.execute(insert(table_of(CrmTask)), decider.tasks)
    uow.session.execute(
        sql.DECIDED,
        batch_params([{name: getattr(e, name) for name in sql.DECIDED_COLUMNS}
                      for e in decider.batch.enrollments]),
    )  # fmt: skip
    uow.commit()  # every execution row is durable before the first byte leaves
    return ready


@dataclass(frozen=True)
class Shard:
    index: int
    count: int
    due: int


def plan_shards(uow: UnitOfWork, now: datetime, shards: int) -> list[Shard]:
    """The hash shards that have due work now, with how much: one dispatcher each.

    The shards partition the due enrollments (same hash as `DispatchScope`), and each
    dispatcher still claims with SKIP LOCKED, so two on one shard never send twice.
    """
    if not 1 <= shards <= 1000:
        raise ValueError("shards must be between 1 and 1000")
    rows = uow.session.execute(sql.DUE_BY_SHARD, {"now": now, "shards": shards})
    return [Shard(int(index), shards, int(due)) for index, due in rows]


# A batch's emails recorded, and what records its webhook answers (None: it made no call).
Sent = tuple[CycleSummary, Callable[[], CycleSummary] | None]


def send_batch(
    ctx: DispatchContext, uow_factory: Callable[[], UnitOfWork], decider: BatchDecider
) -> Sent:
    """Commit a decided batch, send it, record what happened (the cycle's second thread).

    Webhook calls start first and run beside the emails; what records their answers is
    handed back, to run apart from the emails, so a slow receiver holds up no batch."""
    try:
        ready = commit_decisions(decider)
    finally:
        decider.uow.close()
    summary = decider.summary
    calls = webhook_steps.start(decider.calls) if decider.calls else None
    if ready:
        results = ctx.sender.send_batch([p.outgoing for p in ready])
        with uow_factory() as record:
            summary.add(record_sends(record, ctx.now(), ready, results))
    if calls is None:
        return summary, None

    def record_answers() -> CycleSummary:
        answers = calls.results()
        with uow_factory() as record:
            return webhook_steps.record_calls(record, ctx.now(), decider.calls, answers)

    return summary, record_answers


def dispatch_due(
    uow_factory: Callable[[], UnitOfWork],
    ctx: DispatchContext,
    scope: DispatchScope | None = None,
    *,
    max_batches: int = 10_000,
) -> CycleSummary:
    """Claim-decide / commit-send-record batch after batch until nothing in `scope` is due.

    One piece of a cycle (`services/cycle.run_cycle` runs feedback and reconciliation first).

    Two batches overlap: while a second thread commits, sends and records one, this thread
    claims and renders the next (SKIP LOCKED keeps them apart; PostgreSQL works on one batch
    while Python renders the other). Daily limits are reserved in the second thread, so the
    two never wait on each other's counter locks.
    """
    scope = scope or DispatchScope()
    summary = CycleSummary()
    answers: list[Future[CycleSummary]] = []
    with (
        collector.during_a_cycle(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-send") as pool,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-record") as recorder,
    ):

        def settle(done: Future[Sent]) -> None:
            sent, record_answers = done.result()
            summary.add(sent)
            if record_answers is not None:
                answers.append(recorder.submit(record_answers))

        in_flight: Future[Sent] | None = None
        busy: list[uuid.UUID] = []
        try:
            for _ in range(max_batches):
                decider = decide_batch(ctx, uow_factory, scope, ctx.now(), busy)
                if in_flight is not None:
                    settle(in_flight)
                    in_flight = None
                if decider is None:
                    break
                busy = [e.id for e in decider.batch.enrollments]
                in_flight = pool.submit(send_batch, ctx, uow_factory, decider)
        finally:
            if in_flight is not None:
                settle(in_flight)
            for recorded in answers:
                summary.add(recorded.result())
    return summary
