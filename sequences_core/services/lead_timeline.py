"""One lead's history across every template: each step execution (emails, conditions, tasks,
webhook calls with their attempts), each event (sent, delivered, opened, clicked, replied,
bounced, unsubscribed, ...), each task, newest first, and for every live enrollment when its
next step goes and why (the schedule explanation, as `GET /enrollments/{id}/schedule`).

Support asks "what happened to this person?" without opening a database: this is that page.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select

from sequences_core.db.models import (
    CrmTask,
    Lead,
    Organization,
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
    SequenceTemplate,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import LIVE_ENROLLMENT_STATUSES
from sequences_core.services.leads import get_lead
from sequences_core.services.schedule_explain import EnrollmentSchedule, explain_enrollment

MAX_ITEMS = 1_000
T = TypeVar("T")
_STATUS_CODE = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")


@dataclass(frozen=True)
class TimelineItem:
    """One line of the timeline: `kind` is `execution`, `event` or `task`; `what` the
    execution's step type, the event's type or `task`; `status` the execution's or task's."""

    at: datetime
    kind: str
    what: str
    enrollment_id: uuid.UUID | None
    template_name: str | None
    step_position: int | None = None
    status: str | None = None
    attempt: int | None = None
    subject: str | None = None
    error: str | None = None  # why an execution failed or was skipped
    url: str | None = None
    device: str | None = None
    client: str | None = None
    geo: dict[str, Any] | None = None
    machine: bool = False  # a scanner's or a proxy's open or click, counted in no rate
    classification: str | None = None  # a reply's
    reason: str | None = None  # a reply's, a bounce's diagnostic
    status_code: str | None = None  # a bounce's enhanced status, e.g. 5.1.1
    detail: dict[str, Any] | None = None  # a condition's decision, a webhook call's answer


@dataclass(frozen=True)
class EnrollmentLine:
    id: uuid.UUID
    template_id: uuid.UUID
    template_name: str
    status: str
    current_step: int
    reason: str | None  # why paused or stopped
    enrolled_at: datetime
    schedule: EnrollmentSchedule | None  # for a live enrollment


@dataclass
class LeadTimeline:
    lead: Lead
    zone: str  # the lead's own zone, else the organization's: times are shown in it
    enrollments: list[EnrollmentLine] = field(default_factory=list)
    items: list[TimelineItem] = field(default_factory=list)
    truncated: bool = False


def bounce_status(reason: str | None, raw: dict[str, Any] | None) -> str | None:
    """The enhanced status code of a bounce, from what the feedback stored."""
    stored = (raw or {}).get("status_code")
    if isinstance(stored, str) and stored:
        return stored
    found = _STATUS_CODE.search(reason or "")
    return found.group(0) if found else None


def _execution_item(row: SequenceStepExecution, names: dict[uuid.UUID, str]) -> TimelineItem:
    at = row.completed_at or row.attempted_at or row.scheduled_at or row.created_at
    return TimelineItem(
        at=at, kind="execution", what=row.step_type, enrollment_id=row.enrollment_id,
        template_name=names.get(row.enrollment_id), step_position=row.step_position,
        status=row.status, attempt=row.attempt, subject=row.subject, error=row.error,
        detail=row.detail,
    )  # fmt: skip


def _event_item(row: SequenceEmailEvent, names: dict[uuid.UUID, str]) -> TimelineItem:
    return TimelineItem(
        at=row.occurred_at, kind="event", what=row.type, enrollment_id=row.enrollment_id,
        template_name=names.get(row.enrollment_id) if row.enrollment_id else None,
        url=row.url, device=row.device, client=row.client, geo=row.geo, machine=row.bot,
        classification=row.classification, reason=row.reason,
        status_code=bounce_status(row.reason, row.raw) if row.type == "bounce" else None,
    )  # fmt: skip


def _task_item(row: CrmTask, names: dict[uuid.UUID, str]) -> TimelineItem:
    return TimelineItem(
        at=row.created_at, kind="task", what="task", enrollment_id=row.enrollment_id,
        template_name=names.get(row.enrollment_id) if row.enrollment_id else None,
        status=row.status, subject=row.title, reason=row.description,
        detail={"due_at": row.due_at.isoformat() if row.due_at else None,
                "assignee": row.assignee,
                "completed_at": row.completed_at.isoformat() if row.completed_at else None},
    )  # fmt: skip


def _enrollments(
    uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID
) -> list[tuple[SequenceEnrollment, str]]:
    rows = uow.session.execute(
        select(SequenceEnrollment, SequenceTemplate.name)
        .join(SequenceTemplate, SequenceTemplate.id == SequenceEnrollment.template_id)
        .where(SequenceEnrollment.organization_id == org_id, SequenceEnrollment.lead_id == lead_id)
        .order_by(SequenceEnrollment.enrolled_at.desc())
    )
    return [(e, name) for e, name in rows]


def _newest(uow: UnitOfWork, timeline: LeadTimeline, query: Select[T]) -> list[T]:
    """The newest MAX_ITEMS rows; the timeline notes when there were more."""
    rows = list(uow.session.scalars(query.limit(MAX_ITEMS + 1)))
    timeline.truncated |= len(rows) > MAX_ITEMS
    return rows[:MAX_ITEMS]


def lead_timeline(
    uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID | str, now: datetime
) -> LeadTimeline:
    """Everything that happened to one lead (the newest MAX_ITEMS of each kind), newest first."""
    lead = get_lead(uow, org_id, lead_id)
    org = uow.session.get(Organization, org_id)
    timeline = LeadTimeline(lead, lead.timezone or (org.timezone if org else "UTC"))
    enrollments = _enrollments(uow, org_id, lead.id)
    names = {e.id: name for e, name in enrollments}
    for enrollment, name in enrollments:
        live = enrollment.status in LIVE_ENROLLMENT_STATUSES
        timeline.enrollments.append(
            EnrollmentLine(
                enrollment.id, enrollment.template_id, name, enrollment.status,
                enrollment.current_step, enrollment.paused_reason or enrollment.stopped_reason,
                enrollment.enrolled_at,
                explain_enrollment(uow, org_id, enrollment.id, now) if live else None,
            )
        )  # fmt: skip
    executions = _newest(
        uow,
        timeline,
        select(SequenceStepExecution)
        .where(
            SequenceStepExecution.organization_id == org_id,
            SequenceStepExecution.enrollment_id.in_(names.keys()),
        )
        .order_by(SequenceStepExecution.created_at.desc()),
    )
    events = _newest(
        uow,
        timeline,
        select(SequenceEmailEvent)
        .where(
            SequenceEmailEvent.organization_id == org_id,
            SequenceEmailEvent.lead_id == lead.id,
        )
        .order_by(SequenceEmailEvent.occurred_at.desc()),
    )
    tasks = _newest(uow, timeline, select(CrmTask).where(
        CrmTask.organization_id == org_id, CrmTask.lead_id == lead.id,
    ).order_by(CrmTask.created_at.desc()))  # fmt: skip
    timeline.items = (
        [_execution_item(row, names) for row in executions]
        + [_event_item(row, names) for row in events]
        + [_task_item(row, names) for row in tasks]
    )
    timeline.items.sort(key=lambda item: item.at, reverse=True)
    return timeline
