"""What one claimed dispatch batch needs, loaded in a few queries.

The rows a batch holds one of per email (enrollments, leads, latest executions) come as
plain objects built from Core rows, named tuples where the decider only reads them: it reads
dozens of their attributes per email, and ORM instances (identity map, instrumented
attributes, change tracking, the garbage they leave) cost more than that reading. Templates,
steps, organizations and mailboxes are a handful per batch and stay ORM objects.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, Table, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from sequences_core.db.bulk import among, json_rows, uuid_array
from sequences_core.db.models import (
    Lead,
    Mailbox,
    Organization,
    SequenceEnrollment,
    SequenceStep,
    SequenceStepExecution,
    SequenceTemplate,
    Suppression,
    table_of,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.conditions import Engaged, Engagement, Sent
from sequences_core.rules.decide import HeldTask, LastAttempt
from sequences_core.schemas import TemplateSettings

T = TypeVar("T")
STEP_SENDS = ("email", "webhook")  # the step types whose attempts the rules look back at


@dataclass(slots=True)
class DueEnrollment:
    """A claimed enrollment; the decider changes it, `_commit_decisions` writes it back."""

    id: uuid.UUID
    organization_id: uuid.UUID
    lead_id: uuid.UUID
    template_id: uuid.UUID
    mailbox_id: uuid.UUID | None
    status: str
    current_step: int
    next_run_at: datetime | None
    last_step_at: datetime | None
    completed_at: datetime | None
    paused_reason: str | None
    stopped_reason: str | None
    thread_message_id: str | None
    thread_subject: str | None
    awaiting_engagement: bool


class LeadRow(NamedTuple):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    first_name: str | None
    last_name: str | None
    company: str | None
    title: str | None
    timezone: str | None
    country: str | None
    status: str
    custom_fields: dict[str, Any]


@dataclass
class Batch:
    enrollments: list[DueEnrollment]  # in claim order: next_run_at, then id
    leads: dict[uuid.UUID, LeadRow]
    templates: dict[uuid.UUID, SequenceTemplate]
    settings: dict[uuid.UUID, TemplateSettings]
    steps: dict[uuid.UUID, list[SequenceStep]]
    orgs: dict[uuid.UUID, Organization]
    mailboxes: dict[uuid.UUID, Mailbox]
    default_mailbox: dict[uuid.UUID, Mailbox]
    suppressed: dict[tuple[uuid.UUID, str], str]
    latest: dict[uuid.UUID, LastAttempt]  # the newest email or webhook attempt
    engagement: dict[uuid.UUID, Engagement]  # for enrollments whose template has conditions
    tasks: dict[uuid.UUID, dict[uuid.UUID, HeldTask]]  # enrollment -> step -> its latest task


def _select(cls: type[Any], table: Table) -> Select[Any]:
    """The columns of `table` that `cls`'s fields name, in field order."""
    names = getattr(cls, "_fields", None) or [f.name for f in fields(cls)]  # tuple or dataclass
    return select(*[table.c[name] for name in names])


def _plain(session: Session, cls: type[T], query: Select[Any]) -> list[T]:
    return [cls(*row) for row in session.execute(query).all()]  # one fetch, not one per row


def load_batch(uow: UnitOfWork, ids: list[uuid.UUID]) -> Batch:
    s = uow.session
    enrollment_table, lead_table = table_of(SequenceEnrollment), table_of(Lead)
    enrollments = _plain(
        s, DueEnrollment,
        _select(DueEnrollment, enrollment_table)
        .where(among(enrollment_table.c.id, ids))
        .order_by(enrollment_table.c.next_run_at, enrollment_table.c.id),
    )  # fmt: skip
    lead_ids = {e.lead_id for e in enrollments}
    template_ids = {e.template_id for e in enrollments}
    org_ids = {e.organization_id for e in enrollments}
    query = _select(LeadRow, lead_table).where(among(lead_table.c.id, lead_ids))
    leads = {lead.id: lead for lead in _plain(s, LeadRow, query)}
    templates = {
        t.id: t
        for t in s.scalars(select(SequenceTemplate).where(among(SequenceTemplate.id, template_ids)))
    }
    steps: dict[uuid.UUID, list[SequenceStep]] = defaultdict(list)
    for step in s.scalars(
        select(SequenceStep)
        .where(among(SequenceStep.template_id, template_ids))
        .order_by(SequenceStep.template_id, SequenceStep.position)
    ):
        steps[step.template_id].append(step)
    orgs = {o.id: o for o in s.scalars(select(Organization).where(among(Organization.id, org_ids)))}
    mailboxes: dict[uuid.UUID, Mailbox] = {}
    default_mailbox: dict[uuid.UUID, Mailbox] = {}
    for mailbox in s.scalars(
        select(Mailbox).where(among(Mailbox.organization_id, org_ids)).order_by(Mailbox.created_at)
    ):
        mailboxes[mailbox.id] = mailbox
        default_mailbox.setdefault(mailbox.organization_id, mailbox)
    emails = {lead.email.lower() for lead in leads.values()}
    suppressed = {
        (row.organization_id, row.email.lower()): row.reason
        for row in s.scalars(
            select(Suppression).where(
                among(Suppression.organization_id, org_ids),
                # One JSON array, not a text[] psycopg would adapt element by element.
                text(
                    "lower(suppressions.email) IN"
                    " (SELECT jsonb_array_elements_text(CAST(:emails AS jsonb)))"
                ).bindparams(emails=json_rows(list(emails))),
            )
        )
    }
    executions = table_of(SequenceStepExecution)
    # The newest attempt (positions move when steps are reordered; its step id says whose).
    newest_first = (
        select(executions.c.enrollment_id, *_select(LastAttempt, executions).selected_columns)
        .where(among(executions.c.enrollment_id, ids), executions.c.step_type.in_(STEP_SENDS))
        .order_by(
            executions.c.enrollment_id,
            executions.c.attempted_at.desc().nulls_last(),
            executions.c.attempt.desc(),
        )
    )
    latest = {  # one row per enrollment
        row[0]: LastAttempt(*row[1:])
        for row in s.execute(newest_first.ext(distinct_on(executions.c.enrollment_id)))
    }
    settings = {t.id: TemplateSettings.model_validate(t.settings) for t in templates.values()}
    return Batch(
        enrollments, leads, templates, settings, steps, orgs, mailboxes, default_mailbox,
        suppressed, latest,
        _engagement(s, _using(enrollments, steps, lambda step: step.type == "condition")),
        _tasks(s, _using(enrollments, steps, _holds)),
    )  # fmt: skip


def _holds(step: SequenceStep) -> bool:
    return step.type == "task" and bool(step.config.get("wait_until_done"))


def _using(
    enrollments: list[DueEnrollment], steps: dict[uuid.UUID, list[SequenceStep]],
    kind: Callable[[SequenceStep], bool],
) -> list[uuid.UUID]:  # fmt: skip
    """The enrollments whose template has such a step: only they need the facts about it."""
    templates = {t for t, found in steps.items() if any(kind(step) for step in found)}
    return [e.id for e in enrollments if e.template_id in templates]


def _engagement(s: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Engagement]:
    """Each enrollment's sent emails and people's opens, clicks and replies (machines left
    out), for its conditions."""
    if not ids:
        return {}
    sent: dict[uuid.UUID, list[Sent]] = defaultdict(list)
    events: dict[uuid.UUID, list[Engaged]] = defaultdict(list)
    for enrollment, step, at in s.execute(_SENT, {"ids": uuid_array(ids)}):
        sent[enrollment].append(Sent(step, at))
    for enrollment, kind, step, at in s.execute(_ENGAGED, {"ids": uuid_array(ids)}):
        events[enrollment].append(Engaged(kind, step, at))
    return {i: Engagement(tuple(sent[i]), tuple(events[i])) for i in ids}


def _tasks(s: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[uuid.UUID, HeldTask]]:
    found: dict[uuid.UUID, dict[uuid.UUID, HeldTask]] = defaultdict(dict)
    if ids:
        for enrollment, step, status, created, completed in s.execute(
            _HELD_TASKS, {"ids": uuid_array(ids)}
        ):
            found[enrollment][step] = HeldTask(status, created, completed)
    return found


_SENT = text("""
SELECT enrollment_id, step_id, completed_at FROM sequence_step_executions
WHERE enrollment_id = ANY(CAST(:ids AS uuid[])) AND status = 'sent' AND step_type = 'email'
""")
_ENGAGED = text("""
SELECT ev.enrollment_id, ev.type, x.step_id, ev.occurred_at
FROM sequence_email_events ev LEFT JOIN sequence_step_executions x ON x.id = ev.execution_id
WHERE ev.enrollment_id = ANY(CAST(:ids AS uuid[])) AND ev.type IN ('open', 'click', 'reply')
  AND NOT ev.bot
""")
_HELD_TASKS = text("""
SELECT DISTINCT ON (enrollment_id, step_id) enrollment_id, step_id, status, created_at,
       completed_at
FROM crm_tasks WHERE enrollment_id = ANY(CAST(:ids AS uuid[])) AND step_id IS NOT NULL
ORDER BY enrollment_id, step_id, created_at DESC
""")
