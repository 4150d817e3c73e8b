"""One claimed batch decided: the rules per enrollment, then rendering, then the limits.

`BatchDecider` loads nothing itself: `batch.load_batch` brought the facts. It asks
`rules.decide` what each enrollment does, writes the answer back onto the enrollment,
renders the emails the rules chose (a template that fails pauses only its enrollment),
and reserves the daily limits for them in claim order.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sequences_core.db import counters
from sequences_core.db.models import Mailbox, Organization, SequenceStep
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import (
    EnrollmentStatus,
    ExecutionStatus,
    MailboxStatus,
)
from sequences_core.ids import new_id
from sequences_core.rules.compose import Thread, compose_email, lead_fields
from sequences_core.rules.decide import (
    CallWebhook,
    CreateTask,
    Decision,
    Facts,
    MailboxView,
    Position,
    RecordCondition,
    SendEmail,
    Step,
    choose,
    decide,
)
from sequences_core.rules.limits import CounterKey, next_day_start
from sequences_core.rules.render import MissingVariable, lead_variables
from sequences_core.rules.schedule import SendRules, next_allowed_instant, with_jitter
from sequences_core.rules.sending import LIMIT_JITTER_MINUTES, counter_keys, send_rules
from sequences_core.rules.template_sandbox import RenderFailed
from sequences_core.schemas import LEAD_FIELDS, TemplateSettings
from sequences_core.senders import OutgoingEmail
from sequences_core.services.dispatch import webhook_steps
from sequences_core.services.dispatch.batch import Batch, DueEnrollment, LeadRow
from sequences_core.services.dispatch.context import CycleSummary, DispatchContext

log = logging.getLogger(__name__)


@dataclass
class Pending:
    """An email committed as `sending`, waiting for the network."""

    execution_id: uuid.UUID
    enrollment_id: uuid.UUID
    organization_id: uuid.UUID
    lead_id: uuid.UUID
    mailbox_id: uuid.UUID
    step_position: int
    attempt: int
    counters: tuple[CounterKey, ...]
    subject: str
    message_id: str
    outgoing: OutgoingEmail
    steps: list[Step]
    rules: SendRules


_NO_TASKS: dict[uuid.UUID, Any] = {}


def _values(lead: LeadRow) -> dict[str, Any]:
    """A lead as field rules name it: its fields, and `custom_fields.<key>`."""
    values: dict[str, Any] = {name: getattr(lead, name) for name in LEAD_FIELDS}
    values.update({f"custom_fields.{k}": v for k, v in lead.custom_fields.items()})
    return values


def choose_mailbox(
    batch: Batch, e: DueEnrollment, step: SequenceStep, org: Organization
) -> Mailbox | None:
    """The mailbox row the rules' `choose` picks (the schedule explanation reads the row)."""
    own = {m.id: m for m in batch.mailboxes.values() if m.organization_id == org.id}
    return choose(own, e.mailbox_id, step.config, batch.default_mailbox.get(org.id))


def position_of(e: DueEnrollment) -> Position:
    """Where an enrollment stands, as the rules read it."""
    return Position(
        e.status, e.current_step, e.next_run_at, e.last_step_at, e.completed_at,
        e.paused_reason, e.stopped_reason, e.awaiting_engagement,
    )  # fmt: skip


def facts_for(
    batch: Batch, e: DueEnrollment, rules: SendRules, senders: Mapping[uuid.UUID, MailboxView],
    default: MailboxView | None,
) -> Facts:  # fmt: skip
    """What the rules read about one enrollment of a loaded batch (the dispatcher's, and the
    send forecast's, which must decide as the dispatcher does)."""
    lead, template = batch.leads[e.lead_id], batch.templates[e.template_id]
    org = batch.orgs[e.organization_id]
    return Facts(
        rules=rules, jitter_minutes=batch.settings[template.id].jitter_minutes,
        lead_status=lead.status,
        suppressed=batch.suppressed.get((e.organization_id, lead.email.lower())),
        template_deleted=template.deleted_at is not None,
        org_paused=bool(org.paused_reason), mailboxes=senders,
        enrollment_mailbox=e.mailbox_id, default_mailbox=default,
        latest=batch.latest.get(e.id),
        **_condition_facts(batch, e, lead), tasks=batch.tasks.get(e.id, _NO_TASKS),
    )  # fmt: skip


def _condition_facts(batch: Batch, e: DueEnrollment, lead: LeadRow) -> dict[str, Any]:
    """What conditions read, built only for enrollments whose template has conditions
    (the batch loaded their engagement): the per-email path pays nothing otherwise."""
    found = batch.engagement.get(e.id)
    if found is None:
        return {}
    return {"engagement": found, "lead_values": _values(lead)}


# The summary's count for each outcome of the rules (emails are counted when they are sent).
_COUNTED = frozenset({"deferred_window", "deferred_paused", "paused", "stopped", "completed"})


class BatchDecider:
    """Decides, for one claimed batch, what each enrollment does now."""

    def __init__(self, ctx: DispatchContext, uow: UnitOfWork, batch: Batch, now: datetime) -> None:
        self.ctx, self.uow, self.batch, self.now = ctx, uow, batch, now
        self.summary = CycleSummary(batches=1, claimed=len(batch.enrollments))
        self.candidates: list[tuple[DueEnrollment, Pending]] = []
        self.executions: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.calls: list[webhook_steps.PendingCall] = []
        # A batch holds few distinct places and mailboxes: compute each once, not per email.
        self._rules: dict[tuple[uuid.UUID, str | None, str | None], SendRules] = {}
        self._keys: dict[tuple[uuid.UUID, uuid.UUID], tuple[CounterKey, ...]] = {}
        self._plain_steps: dict[uuid.UUID, list[Step]] = {}
        self._org_senders: dict[uuid.UUID, dict[uuid.UUID, MailboxView]] = {}
        self.batch_steps = {s.id: s for steps in batch.steps.values() for s in steps}

    def decide_alone(self, e: DueEnrollment) -> None:
        """One enrollment's failure is its own: whatever goes wrong deciding it (a bug, data
        no rule foresaw) pauses it with the reason, and the batch, its organization and every
        other organization go on."""
        try:
            self.decide(e)
        except Exception as err:
            log.exception("enrollment %s could not be decided", e.id)
            e.status, e.next_run_at = EnrollmentStatus.PAUSED.value, None
            e.paused_reason = f"error: {type(err).__name__}: {err}"[:500]
            self.summary.paused += 1

    def decide(self, e: DueEnrollment) -> None:
        """Ask the rules (`rules.decide`), write the answer back, perform its actions."""
        b = self.batch
        lead, template = b.leads[e.lead_id], b.templates[e.template_id]
        settings, org = b.settings[template.id], b.orgs[e.organization_id]
        rules = self._send_rules(template.id, settings, lead, org)
        steps = self._steps(template.id)
        senders = self._senders(org.id)
        facts = facts_for(b, e, rules, senders, self._default_sender(org.id))
        decision = decide(position_of(e), steps, facts, self.now, self.ctx.rng)
        self._apply(e, decision)
        for action in decision.actions:
            if isinstance(action, CreateTask):
                self.task(e, action, lead)
            elif isinstance(action, RecordCondition):
                self.condition(e, action)
            elif isinstance(action, CallWebhook):
                self.webhook(e, action, lead, org, rules)
            else:
                self.email(e, action, lead, org, settings, rules)

    def webhook(
        self, e: DueEnrollment, action: CallWebhook, lead: LeadRow, org: Organization,
        rules: SendRules,
    ) -> None:  # fmt: skip
        """Prepare the call; its execution goes `sending` in the batch's commit, before it
        starts. A body that cannot be made fails the attempt and pauses the enrollment."""
        step, execution_id = self.batch_steps[action.step.id], new_id()
        try:
            config, call = webhook_steps.prepare_call(
                self.ctx.renderer, step, e, lead, org, execution_id, action.attempt
            )
        except (MissingVariable, RenderFailed, ValueError, webhook_steps.NotCallable) as failed:
            self._fail_attempt(e, step, execution_id, action.attempt, failed)
            return
        lease = webhook_steps.lease_deadline(self.now, self.ctx.lease)
        self.executions.append(
            self._execution_row(
                e,
                step,
                execution_id,
                action.attempt,
                ExecutionStatus.SENDING,
                provider="webhook",
                lease_expires_at=lease,
            )
        )
        e.next_run_at = lease + timedelta(seconds=1)
        self.calls.append(
            webhook_steps.PendingCall(
                execution_id,
                e.id,
                step.id,
                action.position,
                action.attempt,
                config,
                call,
                self._steps(e.template_id),
                rules,
            )
        )

    def condition(self, e: DueEnrollment, action: RecordCondition) -> None:
        """A decided condition, kept as a `completed` execution with what decided it."""
        step, execution_id = self.batch_steps[action.step.id], new_id()
        detail = {"result": action.result, "branch": action.branch,
                  "target": action.step.config.get(action.branch, "next"),
                  "seen": list(action.seen)}  # fmt: skip
        self.executions.append(
            self._execution_row(
                e,
                step,
                execution_id,
                1,
                ExecutionStatus.COMPLETED,
                position=action.position,
                idempotency_key=f"{e.id}:{action.position}:condition:{execution_id}",
                completed_at=self.now,
                detail=detail,
            )
        )

    def _fail_attempt(
        self, e: DueEnrollment, step: SequenceStep, execution_id: uuid.UUID, attempt: int,
        failed: Exception,
    ) -> None:  # fmt: skip
        """An email or call that could not be made for this lead: its execution fails with
        the reason and the enrollment pauses on it; nothing else in the batch is touched."""
        why = str(failed) if isinstance(failed, MissingVariable) else f"render_error: {failed}"
        row = self._execution_row(
            e, step, execution_id, attempt, ExecutionStatus.FAILED, error=why[:1000]
        )
        self.executions.append(row)
        e.status, e.paused_reason, e.next_run_at = EnrollmentStatus.PAUSED.value, why, None
        self.summary.paused += 1

    def _apply(self, e: DueEnrollment, decision: Decision) -> None:
        p = decision.position
        e.status, e.current_step, e.next_run_at = p.status, p.current_step, p.next_run_at
        e.last_step_at, e.completed_at = p.last_step_at, p.completed_at
        e.paused_reason, e.stopped_reason = p.paused_reason, p.stopped_reason
        e.awaiting_engagement = p.awaiting_engagement
        if decision.outcome in _COUNTED:
            name = decision.outcome
            setattr(self.summary, name, getattr(self.summary, name) + 1)

    def task(self, e: DueEnrollment, action: CreateTask, lead: LeadRow) -> None:
        step, config = self.batch_steps[action.step.id], action.step.config
        variables = lead_variables(lead_fields(lead), lead.custom_fields)
        try:
            title = self.ctx.renderer.render_text(
                step.id, step.version, "title", config["title"], variables
            ).strip()
        except (MissingVariable, RenderFailed):  # a task is for a person: the raw title serves
            title = config["title"]
        self.tasks.append(
            {
                "organization_id": e.organization_id,
                "enrollment_id": e.id,
                "lead_id": lead.id,
                "step_id": step.id,
                "title": title[:300],
                "description": config.get("description"),
                "assignee": config.get("assignee"),
                "due_at": action.due_at,
            }
        )
        self.summary.tasks_created += 1

    def email(
        self,
        e: DueEnrollment,
        action: SendEmail,
        lead: LeadRow,
        org: Organization,
        settings: TemplateSettings,
        rules: SendRules,
    ) -> None:
        """Render and compose the email the rules chose; a template that fails for this lead
        fails its execution and pauses its enrollment, and nothing else."""
        step = self.batch_steps[action.step.id]
        mailbox = self.batch.mailboxes[action.mailbox_id]
        execution_id = new_id()
        try:
            composed = compose_email(
                self.ctx,
                execution_id=execution_id,
                lead=lead,
                mailbox=mailbox,
                step=step,
                settings=settings,
                thread=Thread(e.thread_message_id, e.thread_subject),
                now=self.now,
            )
        except (MissingVariable, RenderFailed) as failed:
            self._fail_attempt(e, step, execution_id, action.attempt, failed)
            return
        envelope = composed.envelope
        pending = Pending(
            execution_id=execution_id,
            enrollment_id=e.id,
            organization_id=org.id,
            lead_id=lead.id,
            mailbox_id=mailbox.id,
            step_position=e.current_step,
            attempt=action.attempt,
            counters=self._counters(org, mailbox, e.template_id, settings),
            subject=envelope.subject,
            message_id=envelope.message_id,
            outgoing=OutgoingEmail(
                execution_id, org.id, envelope.from_email, lead.email, composed.mime()
            ),
            steps=self._steps(e.template_id),
            rules=rules,
        )
        self.candidates.append((e, pending))

    def _steps(self, template_id: uuid.UUID) -> list[Step]:
        found = self._plain_steps.get(template_id)
        if found is None:
            found = self._plain_steps[template_id] = [
                Step(s.id, s.type, s.config) for s in self.batch.steps[template_id]
            ]
        return found

    def _senders(self, org_id: uuid.UUID) -> dict[uuid.UUID, MailboxView]:
        found = self._org_senders.get(org_id)
        if found is None:
            found = self._org_senders[org_id] = {
                m.id: MailboxView(m.id, m.status == MailboxStatus.ACTIVE)
                for m in self.batch.mailboxes.values()
                if m.organization_id == org_id
            }
        return found

    def _default_sender(self, org_id: uuid.UUID) -> MailboxView | None:
        mailbox = self.batch.default_mailbox.get(org_id)
        return None if mailbox is None else self._senders(org_id)[mailbox.id]

    def _send_rules(
        self, template_id: uuid.UUID, settings: TemplateSettings, lead: LeadRow, org: Organization
    ) -> SendRules:
        key = (template_id, lead.timezone, lead.country)
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = send_rules(settings, lead, org)
        return found

    def _counters(
        self,
        org: Organization,
        mailbox: Mailbox,
        template_id: uuid.UUID,
        settings: TemplateSettings,
    ) -> tuple[CounterKey, ...]:
        cached = self._keys.get((mailbox.id, template_id))
        if cached is None:
            cached = self._keys[mailbox.id, template_id] = counter_keys(
                org, mailbox, template_id, settings, self.now
            )
        return cached

    def _execution_row(
        self,
        e: DueEnrollment,
        step: SequenceStep,
        execution_id: uuid.UUID,
        attempt: int,
        status: ExecutionStatus,
        position: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        position = e.current_step if position is None else position
        return {
            "id": execution_id,
            "organization_id": e.organization_id,
            "enrollment_id": e.id,
            "step_id": step.id,
            "step_version": step.version,
            "step_position": position,
            "step_type": step.type,
            "attempt": attempt,
            "status": status.value,
            "idempotency_key": f"{e.id}:{position}:{attempt}",
            "scheduled_at": e.next_run_at,
            "attempted_at": self.now,
            "provider": self.ctx.sender.name,
            "mailbox_id": None,
            "error": None,
            "lease_expires_at": None,
            "subject": None,
            "message_id_header": None,
            "completed_at": None,
            "detail": None,
            **extra,
        }

    def allocate(self) -> list[Pending]:
        """Reserve daily-limit slots for the candidates, in claim order; defer the rest."""
        demands: dict[CounterKey, int] = defaultdict(int)
        for _, pending in self.candidates:
            for key in pending.counters:
                demands[key] += 1
        granted = counters.reserve(self.uow.session, demands)
        remaining = dict(granted)
        ready: list[Pending] = []
        for e, pending in self.candidates:
            if all(remaining[k] > 0 for k in pending.counters):
                for key in pending.counters:
                    remaining[key] -= 1
                step = self.batch.steps[e.template_id][e.current_step]
                self.executions.append(
                    self._execution_row(
                        e,
                        step,
                        pending.execution_id,
                        pending.attempt,
                        ExecutionStatus.SENDING,
                        lease_expires_at=self.now + self.ctx.lease,
                        subject=pending.subject,
                        message_id_header=pending.message_id,
                        mailbox_id=pending.mailbox_id,
                    )
                )
                e.next_run_at = self.now + self.ctx.lease + timedelta(seconds=1)
                ready.append(pending)
            else:
                spent = next(k for k in pending.counters if remaining[k] <= 0)
                refill = next_day_start(self.now, spent.zone)
                opening = next_allowed_instant(refill, pending.rules)
                e.next_run_at = with_jitter(
                    opening, pending.rules, LIMIT_JITTER_MINUTES, self.ctx.rng
                )
                self.summary.deferred_limit += 1
        counters.release(self.uow.session, remaining)
        return ready
