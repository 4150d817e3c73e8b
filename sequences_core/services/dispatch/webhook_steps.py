"""Webhook steps inside a dispatch cycle: prepare a call, start it beside the emails, record
what came of it.

The attempt's execution is written `sending`, with its lease, in the batch's commit before
the call starts, as for an email. Every attempt of one step for one enrollment carries the
same `Idempotency-Key` (`<enrollment>:<step>`), so a retry after a crash or a timeout is one
call to a receiver that honours the key. A failure is retried with the client's backoff
(or the receiver's `Retry-After`) while attempts and hours remain, then the step's
`on_failure` applies: `continue` goes on with the sequence, `pause` pauses it.

The HTTP client is imported on first use: a process that never runs a webhook step (the
CLI, most cycles) does not pay for loading httpx.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sequences_core.db import dispatch_sql as sql
from sequences_core.db.bulk import batch_params
from sequences_core.db.models import Organization, SequenceStep
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import ExecutionStatus
from sequences_core.rules.decide import Step
from sequences_core.rules.render import Renderer
from sequences_core.rules.schedule import SendRules
from sequences_core.schemas import WebhookConfig
from sequences_core.services.dispatch.batch import LeadRow
from sequences_core.services.dispatch.context import CycleSummary
from sequences_core.services.dispatch.record import Advances
from sequences_core.services.organizations import organization_field

if TYPE_CHECKING:
    from sequences_core.webhooks.client import Delivery, WebhookCall
    from sequences_core.webhooks.runner import Batch, WebhookRunner

# Results are collected by then at the latest; a call still running is retried later.
DEADLINE_SECONDS = 60.0


class NotCallable(Exception):
    """A stored step that cannot make a call as it stands (saved before the rules it needs)."""


@dataclass(frozen=True)
class PendingCall:
    """A webhook attempt committed as `sending`, waiting for its answer."""

    execution_id: uuid.UUID
    enrollment_id: uuid.UUID
    step_id: uuid.UUID
    position: int
    attempt: int
    config: WebhookConfig
    call: WebhookCall
    steps: list[Step]
    rules: SendRules


def prepare_call(
    renderer: Renderer, step: SequenceStep, e: Any, lead: LeadRow, org: Organization,
    execution_id: uuid.UUID, attempt: int,
) -> tuple[WebhookConfig, WebhookCall]:  # fmt: skip
    """The call this attempt makes. MissingVariable, RenderFailed and BodyNotJson pass
    through for the caller to fail the attempt and pause the enrollment; so does NotCallable."""
    from sequences_core.webhooks.client import call_for_step
    from sequences_core.webhooks.guard import AllowList
    from sequences_core.webhooks.payload import StepRun, build_body

    if not step.config.get("secret"):
        raise NotCallable("the step has no secret: save it again to make one")
    config = WebhookConfig.model_validate(step.config)
    run = StepRun(org.id, e.template_id, step.id, step.version, e.id, execution_id, attempt)
    body = build_body(run, lead, config.body, renderer)
    allow = AllowList.parse(organization_field(org, "webhook_allow"))
    key = f"{e.id}:{step.id}"
    call = call_for_step(config, body=body, idempotency_key=key, attempt=attempt, allow=allow)
    return config, call


@cache
def _runner() -> WebhookRunner:
    """One runner per process: its in-flight and per-host bounds hold across cycles."""
    from sequences_core.webhooks.runner import WebhookRunner

    return WebhookRunner()


def start(calls: Sequence[PendingCall]) -> Batch:
    return _runner().submit([p.call for p in calls], DEADLINE_SECONDS)


def record_calls(
    uow: UnitOfWork, now: datetime, calls: Sequence[PendingCall], results: Iterable[Delivery]
) -> CycleSummary:
    """Each attempt's execution settled, and its enrollment moved on, retried or paused."""
    summary = CycleSummary()
    by_key = {p.call.idempotency_key: p for p in calls}
    finished: list[dict[str, Any]] = []
    advanced: list[dict[str, Any]] = []
    advances = Advances(now)  # past the webhook step, as an email's record moves past an email
    for delivery in results:
        p = by_key[delivery.call.idempotency_key]
        ok = delivery.outcome == "success"
        finished.append(_finished_row(p, delivery, ok))
        summary.webhooks_called += ok
        summary.webhooks_failed += not ok
        if ok:
            advanced.append(advances.row(p.enrollment_id, p.position, p.steps, p.rules))
        elif delivery.outcome == "retryable" and _may_retry(uow, p, now, delivery.retry_in):
            retry = {"id": p.enrollment_id, "next_run_at": now + _delay(delivery)}
            uow.session.execute(sql.RETRY_LATER, retry)
        elif p.config.on_failure == "continue":
            advanced.append(advances.row(p.enrollment_id, p.position, p.steps, p.rules))
        else:
            _pause(uow, p, delivery.reason, summary)
    if finished:
        uow.session.execute(sql.FINISH_WEBHOOKS, {"now": now, **batch_params(finished)})
    if advanced:
        uow.session.execute(sql.ADVANCE, {"sent_at": now, **batch_params(advanced)})
    uow.commit()
    return summary


def _finished_row(p: PendingCall, delivery: Delivery, ok: bool) -> dict[str, Any]:
    detail = {
        "outcome": delivery.outcome, "reason": delivery.reason, "status": delivery.status,
        "response": delivery.response_body, "address": delivery.address,
        "seconds": round(delivery.seconds, 3), "attempt": p.attempt,
        "idempotency_key": p.call.idempotency_key,
    }  # fmt: skip
    status = ExecutionStatus.COMPLETED if ok else ExecutionStatus.FAILED
    return {"id": p.execution_id, "status": status.value,
            "error": None if ok else delivery.reason[:1000], "detail": detail}  # fmt: skip


def _delay(delivery: Delivery) -> timedelta:
    return timedelta(seconds=max(delivery.retry_in or 0.0, 1.0))


def _may_retry(uow: UnitOfWork, p: PendingCall, now: datetime, retry_in: float | None) -> bool:
    """Another attempt fits: attempts left, and it would start within `max_hours` of the
    step's first attempt."""
    if p.attempt >= p.config.max_attempts:
        return False
    first = uow.session.execute(
        sql.FIRST_ATTEMPT, {"enrollment": p.enrollment_id, "step": p.step_id}
    ).scalar_one_or_none()
    next_try = now + timedelta(seconds=retry_in or 0.0)
    return next_try <= (first or now) + timedelta(hours=p.config.max_hours)


def _pause(uow: UnitOfWork, p: PendingCall, reason: str, summary: CycleSummary) -> None:
    uow.session.execute(
        sql.PAUSE, {"id": p.enrollment_id, "reason": f"webhook_failed: {reason}"[:500]}
    )
    summary.paused += 1


def lease_deadline(now: datetime, lease: timedelta) -> datetime:
    """When a `sending` attempt is taken for cut off: the lease, or the batch's deadline if
    that is later (a call may run that long)."""
    return now + max(lease, timedelta(seconds=DEADLINE_SECONDS))
