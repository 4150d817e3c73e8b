"""What happened to the sends: recorded after the network answered, or settled by asking
the sender when a crash left them `sending` past their lease.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.db import counters
from sequences_core.db import dispatch_sql as sql
from sequences_core.db.bulk import batch_params, json_rows
from sequences_core.db.models import (
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import (
    EnrollmentStatus,
    EventType,
    ExecutionStatus,
    StepType,
)
from sequences_core.rules.decide import Position, Step, after_send
from sequences_core.rules.limits import CounterKey
from sequences_core.rules.schedule import SendRules, next_allowed_instant
from sequences_core.senders import Outcome, Sender, SendResult
from sequences_core.services.dispatch.context import CycleSummary
from sequences_core.services.dispatch.decider import Pending


def record_sends(
    uow: UnitOfWork, now: datetime, pending: Sequence[Pending], results: Iterable[SendResult]
) -> CycleSummary:
    """Set-based: the guards (`current_step = position`, `status = 'active'`) make a late
    reply or pause win over this record, and a re-run of it change nothing."""
    summary = CycleSummary()
    by_id = {p.execution_id: p for p in pending}
    executions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    releases: dict[CounterKey, int] = defaultdict(int)
    writes: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    advances = Advances(now)
    for result in results:
        p = by_id[result.execution_id]
        row: dict[str, Any] = {
            "id": p.execution_id,
            "status": None,
            "error": result.error,
            "provider_message_id": result.provider_message_id,
            "retry_count": None,
        }
        if result.outcome == Outcome.SENT:
            row["status"] = ExecutionStatus.SENT.value
            summary.sent += 1
            events.append(
                {
                    "org": p.organization_id,
                    "enrollment": p.enrollment_id,
                    "id": p.execution_id,
                    "lead": p.lead_id,
                }
            )
            moved = advances.row(p.enrollment_id, p.step_position, p.steps, p.rules,
                                 message_id=p.message_id, subject=p.subject)  # fmt: skip
            summary.completed += moved["status"] == EnrollmentStatus.COMPLETED
            writes[sql.ADVANCE].append(moved)
        elif result.outcome == Outcome.UNKNOWN:
            row["status"] = ExecutionStatus.UNKNOWN.value
            summary.unknown += 1
            writes[sql.PAUSE_UNKNOWN].append({"id": p.enrollment_id})
        else:
            row["status"] = ExecutionStatus.FAILED.value
            row["retry_count"] = p.attempt
            for key in p.counters:
                releases[key] += 1
            if result.outcome == Outcome.FAILED:
                summary.failed += 1
                writes[sql.FAIL].append({"id": p.enrollment_id, "error": result.error})
            else:
                summary.retry += 1
                backoff = timedelta(minutes=5 * 2 ** (p.attempt - 1))
                retry_at = next_allowed_instant(now + backoff, p.rules)
                writes[sql.RETRY_LATER].append({"id": p.enrollment_id, "next_run_at": retry_at})
        executions.append(row)
    if executions:
        uow.session.execute(sql.FINISH_EXECUTIONS, {"now": now, **batch_params(executions)})
    for statement, params in writes.items():
        if statement is sql.ADVANCE:
            uow.session.execute(sql.ADVANCE, {"sent_at": now, **batch_params(params)})
        else:
            uow.session.execute(statement, params)
    if events:
        uow.session.execute(sql.SENT_EVENTS, {"now": now, "rows": json_rows(events)})
    counters.release(uow.session, releases)
    uow.commit()
    return summary


class Advances:
    """Where enrollments stand once their step went at `now`, each as one row of `sql.ADVANCE`,
    computed without loading them (the statement's guards let a pause win).

    A batch's leads mostly share their step, their template's steps and their sending rules,
    and the schedule arithmetic is the record phase's largest cost in Python: it is done once
    per such triple. `steps` is keyed by identity, as a batch holds one list per template."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._seen: dict[tuple[int, int, SendRules], Position] = {}

    def row(
        self, enrollment_id: uuid.UUID, position: int, steps: Sequence[Step], rules: SendRules,
        *, message_id: str | None = None, subject: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        key = (position, id(steps), rules)
        there = self._seen.get(key)
        if there is None:
            sent = Position(EnrollmentStatus.ACTIVE.value, position, None, None)
            there = self._seen[key] = after_send(sent, steps, rules, self.now)
        return {
            "id": enrollment_id, "position": position, "message_id": message_id,
            "subject": subject, "current_step": there.current_step, "status": there.status,
            "next_run_at": there.next_run_at, "completed_at": there.completed_at,
        }  # fmt: skip


def reconcile_stale_sends(uow: UnitOfWork, sender: Sender, now: datetime) -> CycleSummary:
    """Settle executions left `sending` past their lease (a crash between send and record)."""
    summary = CycleSummary()
    stale = list(
        uow.session.scalars(
            select(SequenceStepExecution)
            .where(
                SequenceStepExecution.status == ExecutionStatus.SENDING.value,
                SequenceStepExecution.lease_expires_at < now,
            )
            .with_for_update(skip_locked=True)
            .limit(5000)
        )
    )
    for execution in stale:
        summary.reconciled += 1
        execution.completed_at = now
        if execution.step_type == StepType.WEBHOOK:
            _interrupted_call(uow, execution, now)
            continue
        answer = sender.lookup(execution.id)
        if answer.outcome == Outcome.SENT:
            execution.status = ExecutionStatus.SENT.value
            execution.provider_message_id = answer.provider_message_id
            uow.session.execute(
                pg_insert(SequenceEmailEvent).on_conflict_do_nothing(),
                [
                    {
                        "organization_id": execution.organization_id,
                        "enrollment_id": execution.enrollment_id,
                        "execution_id": execution.id,
                        "type": EventType.SENT.value,
                        "occurred_at": now,
                        "dedupe_key": f"sent:{execution.id}",
                    }
                ],
            )
        elif answer.outcome == Outcome.RETRY:  # the transport is sure it never went
            execution.status = ExecutionStatus.FAILED.value
            execution.error = "not sent: the dispatcher stopped before sending"
            uow.session.execute(
                update(SequenceEnrollment)
                .where(SequenceEnrollment.id == execution.enrollment_id)
                .values(next_run_at=now)
            )
        else:
            execution.status = ExecutionStatus.UNKNOWN.value
            execution.error = "delivery unknown after a crash; not resent (check the provider)"
    uow.commit()
    return summary


INTERRUPTED_RETRY = timedelta(minutes=5)


def _interrupted_call(uow: UnitOfWork, execution: SequenceStepExecution, now: datetime) -> None:
    """A webhook call a crash cut off may or may not have reached its receiver. It is tried
    again, not in this cycle but a few minutes on, with the same Idempotency-Key, which lets
    the receiver take the two as one."""
    execution.status = ExecutionStatus.FAILED.value
    execution.error = "interrupted by a stopped dispatcher; retried with the same Idempotency-Key"
    uow.session.execute(
        update(SequenceEnrollment)
        .where(
            SequenceEnrollment.id == execution.enrollment_id, SequenceEnrollment.status == "active"
        )
        .values(next_run_at=now + INTERRUPTED_RETRY)
    )
