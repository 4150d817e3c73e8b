"""Applying a batch of SES events: a fixed handful of statements, however large the batch.

One query matches the batch to its executions, one stores every event (the dedupe key makes a
re-delivered message a no-op), and each kind of state change is one set-based statement.
Within a batch the changes go in a fixed order: settled sends, failed sends, soft bounces,
hard bounces, complaints; every one of them only moves an enrollment that is still live, so a
lead that bounces and complains in the same batch ends bounced, never both.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text

from sequences_core.db.bulk import uuid_array
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import EnrollmentStatus, EventType, SuppressionReason
from sequences_core.feedback.classify import Kind
from sequences_core.feedback.ses_events import SesEvent
from sequences_core.services.feedback import (
    Bounce,
    FeedbackSummary,
    hard_bounces,
    soft_bounces,
    store_events,
    suppress_and_stop,
)
from sequences_core.services.tracking import visitor_fields

_EVENT_TYPE = {
    "Send": EventType.SENT,
    "Delivery": EventType.DELIVERED,
    "Bounce": EventType.BOUNCE,
    "Complaint": EventType.COMPLAINT,
    "Open": EventType.OPEN,
    "Click": EventType.CLICK,
}

# Two index scans (`= ANY` as the index condition), never `id = ANY(..) OR message = ANY(..)`
# nor a join to unnest(): under the generic plan a prepared statement gets, both of those
# can scan the whole table.
_MATCH = text("""
WITH found AS (
    SELECT x.id, x.organization_id, x.enrollment_id, x.provider_message_id
    FROM sequence_step_executions x WHERE x.id = ANY(CAST(:ids AS uuid[]))
    UNION
    SELECT x.id, x.organization_id, x.enrollment_id, x.provider_message_id
    FROM sequence_step_executions x WHERE x.provider_message_id = ANY(CAST(:messages AS text[]))
)
SELECT f.id, f.organization_id, f.enrollment_id, f.provider_message_id, e.lead_id, l.email
FROM found f
JOIN sequence_enrollments e ON e.id = f.enrollment_id
LEFT JOIN leads l ON l.id = e.lead_id
""")

# A Send event settles a send a crash left in doubt; an enrollment paused for that resumes.
_SETTLE_SENDS = text("""
WITH settled AS (
    UPDATE sequence_step_executions x SET status = 'sent', provider_message_id = t.message_id
    FROM unnest(CAST(:ids AS uuid[]), CAST(:messages AS text[])) AS t(id, message_id)
    WHERE x.id = t.id AND x.status IN ('sending', 'unknown')
    RETURNING x.enrollment_id
)
UPDATE sequence_enrollments e
SET status = 'active', paused_reason = NULL, next_run_at = :now, updated_at = now()
FROM settled s
WHERE e.id = s.enrollment_id AND e.paused_reason = 'delivery_unknown'
""")

# Reject and Rendering Failure: the send failed for good; a live enrollment pauses with why.
_FAIL_SENDS = text("""
WITH failed AS (
    UPDATE sequence_step_executions x SET status = 'failed', error = t.error
    FROM unnest(CAST(:ids AS uuid[]), CAST(:errors AS text[]), CAST(:reasons AS text[]))
        AS t(id, error, reason)
    WHERE x.id = t.id
    RETURNING x.enrollment_id, t.reason
)
UPDATE sequence_enrollments e
SET status = 'paused', paused_reason = f.reason, updated_at = now()
FROM failed f
WHERE e.id = f.enrollment_id AND e.status = 'active'
""")


@dataclass(frozen=True)
class _Execution:
    id: uuid.UUID
    organization_id: uuid.UUID
    enrollment_id: uuid.UUID
    lead_id: uuid.UUID
    lead_email: str | None


@dataclass
class _Changes:
    """What the batch asks for, gathered per kind before any statement runs."""

    settled: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    failed: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    soft: list[Bounce] = field(default_factory=list)
    hard: list[Bounce] = field(default_factory=list)
    complaints: list[Bounce] = field(default_factory=list)


def _match(uow: UnitOfWork, events: Sequence[SesEvent]) -> dict[uuid.UUID | str, _Execution]:
    """Executions by id and by SES message id."""
    rows = uow.session.execute(
        _MATCH,
        {
            "ids": uuid_array({e.execution_id for e in events if e.execution_id}),
            "messages": list({e.message_id for e in events}),
        },
    )
    found: dict[uuid.UUID | str, _Execution] = {}
    for ident, org, enrollment, message_id, lead, email in rows.all():
        execution = _Execution(ident, org, enrollment, lead, email)
        found[ident] = execution
        if message_id:
            found[message_id] = execution
    return found


def _event_row(event: SesEvent, execution: _Execution, kind: EventType) -> dict[str, Any]:
    classification = None
    if event.kind == "Bounce":
        classification = Kind.BOUNCE_HARD if event.hard_bounce else Kind.BOUNCE_SOFT
    row = {
        "organization_id": execution.organization_id,
        "enrollment_id": execution.enrollment_id,
        "execution_id": execution.id,
        "lead_id": execution.lead_id,
        "type": kind.value,
        "occurred_at": event.occurred_at,
        "url": event.url,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "dedupe_key": event.dedupe_key,
        "classification": classification.value if classification else None,
        "reason": event.detail,
        "raw": event.raw,
    }
    if event.kind in ("Open", "Click"):
        row.update(visitor_fields(event.user_agent, event.ip))
    return row


def _gather(event: SesEvent, execution: _Execution, changes: _Changes) -> None:
    email = (event.recipients[0] if event.recipients else execution.lead_email or "").lower()
    org = execution.organization_id
    if event.kind == "Send":
        changes.settled.append((execution.id, event.message_id))
    elif event.kind == "Bounce" and event.hard_bounce:
        source = f"SES {event.bounce_subtype or 'Permanent'}"
        changes.hard.append(Bounce(org, email, execution.lead_id, source))
    elif event.kind == "Bounce":
        source = f"SES {event.bounce_subtype}"
        changes.soft.append(Bounce(org, email, execution.lead_id, source, execution.id))
    elif event.kind == "Complaint":
        changes.complaints.append(Bounce(org, email, execution.lead_id, "SES complaint"))
    elif event.kind in ("Reject", "Rendering Failure"):
        changes.failed.append(
            (execution.id, f"{event.kind}: {event.detail}", f"{event.kind.lower()}: {event.detail}")
        )


def _apply(uow: UnitOfWork, changes: _Changes, now: datetime, summary: FeedbackSummary) -> None:
    if changes.settled:
        ids, messages = zip(*changes.settled, strict=True)
        uow.session.execute(
            _SETTLE_SENDS, {"ids": uuid_array(ids), "messages": list(messages), "now": now}
        )
    if changes.failed:
        ids, errors, reasons = zip(*changes.failed, strict=True)
        uow.session.execute(
            _FAIL_SENDS, {"ids": uuid_array(ids), "errors": list(errors), "reasons": list(reasons)}
        )
    summary.hard_bounces += soft_bounces(uow, changes.soft, now)
    hard_bounces(uow, changes.hard)
    suppress_and_stop(
        uow,
        changes.complaints,
        SuppressionReason.COMPLAINT,
        EnrollmentStatus.UNSUBSCRIBED,
        lambda _: "complaint",
    )
    summary.soft_bounces += len(changes.soft)
    summary.hard_bounces += len(changes.hard)
    summary.complaints += len(changes.complaints)


def apply_ses_events(uow: UnitOfWork, events: Sequence[SesEvent], now: datetime) -> FeedbackSummary:
    """Apply a batch of SES events in one transaction (the caller commits)."""
    summary = FeedbackSummary()
    if not events:
        return summary
    executions = _match(uow, events)
    matched: list[tuple[SesEvent, _Execution]] = []
    rows: list[dict[str, Any]] = []
    for event in events:
        found = executions.get(event.execution_id) if event.execution_id else None
        execution = found or executions.get(event.message_id)
        if execution is None:
            summary.unmatched += 1
            continue
        matched.append((event, execution))
        kind = _EVENT_TYPE.get(event.kind)
        if kind is not None:  # Reject, DeliveryDelay, Rendering Failure are not events
            rows.append(_event_row(event, execution, kind))
    new = store_events(uow, rows)
    changes = _Changes()
    for event, execution in matched:
        if event.kind in _EVENT_TYPE:
            if event.dedupe_key not in new:
                summary.duplicates += 1
                continue
            new.discard(event.dedupe_key)  # the same event twice in one batch counts once
        summary.events += 1
        _gather(event, execution, changes)
    _apply(uow, changes, now, summary)
    uow.session.expire_all()  # objects the caller holds re-read what these statements changed
    return summary
