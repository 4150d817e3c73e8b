"""One dispatch cycle: claim due enrollments, decide, commit, send, record.

The order is what makes it safe:
1. claim a batch with FOR UPDATE SKIP LOCKED (no two dispatchers share a row);
2. check the lead, suppression, window and limits *now*; write each execution
   (`sending`, unique idempotency key) and commit — before any network call;
3. send outside any transaction;
4. record the outcome and advance the enrollment.
A crash between 3 and 4 leaves `sending` rows; `reconcile_stale_sends` settles
them by asking the sender, and never resends what may already have gone.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.compose import Recipient, Thread, compose_email, lead_fields
from sequences_core.db import counters
from sequences_core.db.bulk import BATCH_IDS, batch_params, json_rows, recordset, uuid_array
from sequences_core.db.models import (
    CrmTask,
    Mailbox,
    Organization,
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStep,
    SequenceStepExecution,
    table_of,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import (
    CounterScope,
    EnrollmentStatus,
    EventType,
    ExecutionStatus,
    MailboxStatus,
)
from sequences_core.ids import new_id
from sequences_core.limits import CounterKey, local_day, next_day_start, warmup_limit
from sequences_core.render import MissingVariable, Renderer, lead_variables
from sequences_core.rules.decide import (
    CreateTask,
    Decision,
    Facts,
    LastAttempt,
    MailboxView,
    Position,
    SendEmail,
    Step,
    after_send,
    decide,
)
from sequences_core.schedule import (
    SendRules,
    next_allowed_instant,
    with_jitter,
)
from sequences_core.schemas import TemplateSettings
from sequences_core.senders import Outcome, OutgoingEmail, Sender, SendResult
from sequences_core.services.dispatch_batch import Batch, DueEnrollment, LeadRow, load_batch
from sequences_core.template_sandbox import RenderFailed
from sequences_core.tokens import Tokens

log = logging.getLogger(__name__)
# An email deferred by a spent daily limit goes within this many minutes of the refilled
# limit's first window opening, so a day's deferred emails do not all go at one instant.
LIMIT_JITTER_MINUTES = 5

_CLAIM = """
SELECT id FROM sequence_enrollments
WHERE status = 'active' AND next_run_at <= :now AND id <> ALL(CAST(:busy AS uuid[])) {filters}
ORDER BY next_run_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""


@dataclass(frozen=True)
class DispatchContext:
    """Everything a cycle needs besides the database; built once per process and reused.

    Frozen: a variant (another batch size, a test's sender) is a `dataclasses.replace`.
    """

    sender: Sender
    tokens: Tokens
    public_url: str
    now: Callable[[], datetime]
    renderer: Renderer = field(default_factory=Renderer)
    rng: random.Random = field(default_factory=random.Random)
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 500
    default_from_email: str = "outreach@sequences.local"
    unsubscribe_mailto: str | None = None


@dataclass
class CycleSummary:
    claimed: int = 0
    sent: int = 0
    deferred_window: int = 0
    deferred_limit: int = 0
    deferred_paused: int = 0
    retry: int = 0
    failed: int = 0
    unknown: int = 0
    paused: int = 0
    stopped: int = 0
    completed: int = 0
    tasks_created: int = 0
    reconciled: int = 0
    batches: int = 0

    def add(self, other: CycleSummary) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Pending:
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


def _claim(
    uow: UnitOfWork, now: datetime, limit: int, scope: DispatchScope, busy: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """`busy`: the batch this process has in flight. Its rows may come due again while it is
    sent (a send slower than the lease); claimed here, their locks would be held by this thread
    while it waits for the other thread, whose record of that batch waits for those locks."""
    filters, params = scope.sql()
    rows = uow.session.execute(
        text(_CLAIM.format(filters=filters)),
        {"now": now, "limit": limit, "busy": uuid_array(busy), **params},
    )
    return [row[0] for row in rows]


@dataclass(frozen=True)
class DispatchScope:
    """Which due work a dispatcher may take: an org, one enrollment, or a hash shard."""

    organization_id: uuid.UUID | None = None
    enrollment_id: uuid.UUID | None = None
    shard: tuple[int, int] | None = None  # (index, count)

    def sql(self) -> tuple[str, dict[str, Any]]:
        parts: list[str] = []
        params: dict[str, Any] = {}
        if self.organization_id:
            parts.append("AND organization_id = :org")
            params["org"] = self.organization_id
        if self.enrollment_id:
            parts.append("AND id = :eid")
            params["eid"] = self.enrollment_id
        if self.shard:
            parts.append("AND abs(hashtextextended(id::text, 0)) % :shards = :shard")
            params["shard"], params["shards"] = self.shard
        return " ".join(parts), params


def lead_zone(settings: TemplateSettings, lead: Recipient, org: Organization) -> tuple[str, str]:
    """The zone a lead's emails are timed in and whose it is: the lead's, else the template's,
    else the org's (`schedule_explain` names the source)."""
    for source, zone in (
        ("lead", lead.timezone),
        ("template", settings.timezone),
        ("organization", org.timezone),
    ):
        if zone:
            return zone, source
    return "UTC", "default"


def send_rules(settings: TemplateSettings, lead: Recipient, org: Organization) -> SendRules:
    """When a lead may be mailed: in `lead_zone`, the template's window and days, the
    holidays of the lead's country (else the template's)."""
    zone, _ = lead_zone(settings, lead, org)
    days = frozenset(settings.send_window.days)
    if settings.skip_weekends:
        days = days - {6, 7} or days
    return SendRules(
        zone=ZoneInfo(zone),
        start=settings.send_window.start,
        end=settings.send_window.end,
        days=days,
        holiday_country=lead.country or settings.holidays,
    )


def choose_mailbox(
    batch: Batch, e: DueEnrollment, step: SequenceStep, org: Organization
) -> Mailbox | None:
    """The enrollment's mailbox, else the step's, else the org's first (its own only)."""
    for ident in (e.mailbox_id, step.config.get("mailbox_id")):
        if ident is not None:
            mailbox = batch.mailboxes.get(uuid.UUID(str(ident)))
            if mailbox is not None and mailbox.organization_id == org.id:
                return mailbox
    return batch.default_mailbox.get(org.id)


def counter_keys(
    org: Organization,
    mailbox: Mailbox,
    template_id: uuid.UUID,
    settings: TemplateSettings,
    now: datetime,
) -> tuple[CounterKey, ...]:
    """The daily limits an email sent at `now` draws on, in the order a spent one is named:
    the mailbox's day in its zone (warm-up ramp applied), the template's and the org's caps
    in the org's zone."""
    mailbox_day = local_day(now, mailbox.timezone)
    keys = [
        CounterKey(
            org.id,
            CounterScope.MAILBOX,
            mailbox.id,
            mailbox_day,
            warmup_limit(mailbox.daily_limit, mailbox.warmup, mailbox_day),
            mailbox.timezone,
        )
    ]
    org_day = local_day(now, org.timezone)
    if settings.daily_limit:
        keys.append(
            CounterKey(
                org.id,
                CounterScope.TEMPLATE,
                template_id,
                org_day,
                settings.daily_limit,
                org.timezone,
            )
        )
    if org.daily_limit:
        keys.append(
            CounterKey(
                org.id, CounterScope.ORGANIZATION, org.id, org_day, org.daily_limit, org.timezone
            )
        )
    return tuple(keys)


# The summary's count for each outcome of the rules (emails are counted when they are sent).
_COUNTED = {
    "deferred_window": "deferred_window", "deferred_paused": "deferred_paused",
    "paused": "paused", "stopped": "stopped", "completed": "completed",
}  # fmt: skip


class _Decider:
    """Decides, for one claimed batch, what each enrollment does now."""

    def __init__(self, ctx: DispatchContext, uow: UnitOfWork, batch: Batch, now: datetime) -> None:
        self.ctx, self.uow, self.batch, self.now = ctx, uow, batch, now
        self.summary = CycleSummary(batches=1, claimed=len(batch.enrollments))
        self.candidates: list[tuple[DueEnrollment, _Pending]] = []
        self.executions: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
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
        latest = b.latest.get(e.id)
        facts = Facts(
            rules=rules, jitter_minutes=settings.jitter_minutes, lead_status=lead.status,
            suppressed=b.suppressed.get((e.organization_id, lead.email.lower())),
            template_deleted=template.deleted_at is not None,
            org_paused=bool(org.paused_reason), mailboxes=self._senders(org.id),
            enrollment_mailbox=e.mailbox_id, default_mailbox=self._default_sender(org.id),
            latest=LastAttempt(*latest[1:]) if latest is not None else None,
        )  # fmt: skip
        at = Position(
            e.status, e.current_step, e.next_run_at, e.last_step_at, e.completed_at,
            e.paused_reason, e.stopped_reason,
        )  # fmt: skip
        decision = decide(at, steps, facts, self.now, self.ctx.rng)
        self._apply(e, decision)
        for action in decision.actions:
            if isinstance(action, CreateTask):
                self.task(e, action, lead)
            else:
                self.email(e, action, lead, org, settings, rules)

    def _apply(self, e: DueEnrollment, decision: Decision) -> None:
        p = decision.position
        e.status, e.current_step, e.next_run_at = p.status, p.current_step, p.next_run_at
        e.last_step_at, e.completed_at = p.last_step_at, p.completed_at
        e.paused_reason, e.stopped_reason = p.paused_reason, p.stopped_reason
        counted = _COUNTED.get(decision.outcome)
        if counted:
            setattr(self.summary, counted, getattr(self.summary, counted) + 1)

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
            why = str(failed) if isinstance(failed, MissingVariable) else f"render_error: {failed}"
            self.executions.append(
                self._execution_row(
                    e, step, execution_id, action.attempt, ExecutionStatus.FAILED, error=why
                )
            )
            e.status, e.paused_reason, e.next_run_at = EnrollmentStatus.PAUSED.value, why, None
            self.summary.paused += 1
            return
        envelope = composed.envelope
        pending = _Pending(
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
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "id": execution_id,
            "organization_id": e.organization_id,
            "enrollment_id": e.id,
            "step_id": step.id,
            "step_position": e.current_step,
            "step_type": step.type,
            "attempt": attempt,
            "status": status.value,
            "idempotency_key": f"{e.id}:{e.current_step}:{attempt}",
            "scheduled_at": e.next_run_at,
            "attempted_at": self.now,
            "provider": self.ctx.sender.name,
            "mailbox_id": None,
            "error": None,
            "lease_expires_at": None,
            "subject": None,
            "message_id_header": None,
            **extra,
        }

    def allocate(self) -> list[_Pending]:
        """Reserve daily-limit slots for the candidates, in claim order; defer the rest."""
        demands: dict[CounterKey, int] = defaultdict(int)
        for _, pending in self.candidates:
            for key in pending.counters:
                demands[key] += 1
        granted = counters.reserve(self.uow.session, demands)
        remaining = dict(granted)
        ready: list[_Pending] = []
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


_EXECUTION_COLUMNS = {
    "id": "uuid", "organization_id": "uuid", "enrollment_id": "uuid", "step_id": "uuid",
    "step_position": "int", "step_type": "text", "attempt": "int", "status": "text",
    "idempotency_key": "text", "scheduled_at": "timestamptz", "attempted_at": "timestamptz",
    "provider": "text", "mailbox_id": "uuid", "error": "text", "lease_expires_at": "timestamptz",
    "subject": "text", "message_id_header": "text",
}  # fmt: skip
_INSERT_EXECUTIONS = text(
    f"INSERT INTO sequence_step_executions ({', '.join(_EXECUTION_COLUMNS)})"
    f" SELECT {', '.join(_EXECUTION_COLUMNS)} FROM {recordset(_EXECUTION_COLUMNS)}"
)
_DECIDED_COLUMNS = {
    "id": "uuid", "status": "text", "current_step": "int", "next_run_at": "timestamptz",
    "last_step_at": "timestamptz", "paused_reason": "text", "stopped_reason": "text",
    "completed_at": "timestamptz",
}  # fmt: skip
_DECIDED = text(f"""
UPDATE sequence_enrollments e SET status = v.status, current_step = v.current_step,
    next_run_at = v.next_run_at, last_step_at = v.last_step_at, paused_reason = v.paused_reason,
    stopped_reason = v.stopped_reason, completed_at = v.completed_at, updated_at = now()
FROM {recordset(_DECIDED_COLUMNS)}
WHERE e.id {BATCH_IDS} AND e.id = v.id
""")


def _decide(
    ctx: DispatchContext,
    uow_factory: Callable[[], UnitOfWork],
    scope: DispatchScope,
    now: datetime,
    busy: Sequence[uuid.UUID] = (),
) -> _Decider | None:
    """Claim a batch and decide it: render every email that may go. No writes yet; None when
    nothing is due. The claim's transaction (its row locks) goes on with the decider, to be
    committed and closed by `_send_batch`."""
    uow = uow_factory().open()
    try:
        ids = _claim(uow, now, ctx.batch_size, scope, busy)
        if not ids:
            uow.close()
            return None
        decider = _Decider(ctx, uow, load_batch(uow, ids), now)
        for enrollment in decider.batch.enrollments:
            decider.decide_alone(enrollment)
    except BaseException:
        uow.close()
        raise
    return decider


def _commit_decisions(decider: _Decider) -> list[_Pending]:
    """Reserve the daily limits, write every decision, commit: the emails now ready to go."""
    uow = decider.uow
    ready = decider.allocate() if decider.candidates else []
    if decider.executions:
        uow.session.execute(_INSERT_EXECUTIONS, {"rows": json_rows(decider.executions)})
    if decider.tasks:
        uow.session.execute(insert(table_of(CrmTask)), decider.tasks)
    uow.session.execute(
        _DECIDED,
        batch_params([{name: getattr(e, name) for name in _DECIDED_COLUMNS}
                      for e in decider.batch.enrollments]),
    )  # fmt: skip
    uow.commit()  # every execution row is durable before the first byte leaves
    return ready


# The record phase writes each batch as one statement per table over one JSON parameter:
# one round trip instead of one per email.
_ADVANCE_COLUMNS = {
    "id": "uuid", "position": "int", "current_step": "int", "status": "text",
    "next_run_at": "timestamptz", "completed_at": "timestamptz", "message_id": "text",
    "subject": "text",
}  # fmt: skip
_ADVANCE = text(f"""
UPDATE sequence_enrollments e SET current_step = v.current_step, status = v.status,
    next_run_at = v.next_run_at, completed_at = v.completed_at, last_step_at = :sent_at,
    thread_message_id = coalesce(e.thread_message_id, v.message_id),
    thread_subject = coalesce(e.thread_subject, v.subject), updated_at = now()
FROM {recordset(_ADVANCE_COLUMNS)}
WHERE e.id {BATCH_IDS} AND e.id = v.id AND e.current_step = v.position
    AND e.status = 'active'
""")
_FINISH_COLUMNS = {
    "id": "uuid", "status": "text", "error": "text", "provider_message_id": "text",
    "retry_count": "int",
}  # fmt: skip
_FINISH_EXECUTIONS = text(f"""
UPDATE sequence_step_executions x SET status = v.status, completed_at = :now, error = v.error,
    provider_message_id = v.provider_message_id,
    retry_count = coalesce(v.retry_count, x.retry_count)
FROM {recordset(_FINISH_COLUMNS)}
WHERE x.id {BATCH_IDS} AND x.id = v.id
""")
_SENT_EVENTS = text(f"""
INSERT INTO sequence_email_events
    (organization_id, enrollment_id, execution_id, lead_id, type, occurred_at, dedupe_key)
SELECT v.org, v.enrollment, v.id, v.lead, 'sent', :now, 'sent:' || v.id
FROM {recordset({"id": "uuid", "org": "uuid", "enrollment": "uuid", "lead": "uuid"})}
ON CONFLICT (dedupe_key) DO NOTHING
""")


_PAUSE_UNKNOWN = text("""
UPDATE sequence_enrollments SET status = 'paused', paused_reason = 'delivery_unknown',
    next_run_at = NULL, updated_at = now() WHERE id = :id AND status = 'active'
""")
_FAIL = text("""
UPDATE sequence_enrollments SET status = 'failed', stopped_reason = :error, next_run_at = NULL,
    updated_at = now() WHERE id = :id AND status = 'active'
""")
_RETRY_LATER = text("""
UPDATE sequence_enrollments SET next_run_at = :next_run_at, updated_at = now()
WHERE id = :id AND status = 'active'
""")


def _record(
    uow: UnitOfWork, now: datetime, pending: Sequence[_Pending], results: Iterable[SendResult]
) -> CycleSummary:
    """Set-based: the guards (`current_step = position`, `status = 'active'`) make a late
    reply or pause win over this record, and a re-run of it change nothing."""
    summary = CycleSummary()
    by_id = {p.execution_id: p for p in pending}
    executions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    releases: dict[CounterKey, int] = defaultdict(int)
    writes: dict[Any, list[dict[str, Any]]] = defaultdict(list)
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
            sent = Position(EnrollmentStatus.ACTIVE.value, p.step_position, None, None)
            progress = after_send(sent, p.steps, p.rules, now)
            summary.completed += progress.status == EnrollmentStatus.COMPLETED
            writes[_ADVANCE].append(
                {
                    "id": p.enrollment_id,
                    "position": p.step_position,
                    "message_id": p.message_id,
                    "subject": p.subject,
                    "current_step": progress.current_step,
                    "status": progress.status,
                    "next_run_at": progress.next_run_at,
                    "completed_at": progress.completed_at,
                }
            )
        elif result.outcome == Outcome.UNKNOWN:
            row["status"] = ExecutionStatus.UNKNOWN.value
            summary.unknown += 1
            writes[_PAUSE_UNKNOWN].append({"id": p.enrollment_id})
        else:
            row["status"] = ExecutionStatus.FAILED.value
            row["retry_count"] = p.attempt
            for key in p.counters:
                releases[key] += 1
            if result.outcome == Outcome.FAILED:
                summary.failed += 1
                writes[_FAIL].append({"id": p.enrollment_id, "error": result.error})
            else:
                summary.retry += 1
                backoff = timedelta(minutes=5 * 2 ** (p.attempt - 1))
                retry_at = next_allowed_instant(now + backoff, p.rules)
                writes[_RETRY_LATER].append({"id": p.enrollment_id, "next_run_at": retry_at})
        executions.append(row)
    if executions:
        uow.session.execute(_FINISH_EXECUTIONS, {"now": now, **batch_params(executions)})
    for statement, params in writes.items():
        if statement is _ADVANCE:
            uow.session.execute(_ADVANCE, {"sent_at": now, **batch_params(params)})
        else:
            uow.session.execute(statement, params)
    if events:
        uow.session.execute(_SENT_EVENTS, {"now": now, "rows": json_rows(events)})
    counters.release(uow.session, releases)
    uow.commit()
    return summary


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
        answer = sender.lookup(execution.id)
        execution.completed_at = now
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
        summary.reconciled += 1
    uow.commit()
    return summary


_DUE_BY_SHARD = text("""
SELECT abs(hashtextextended(id::text, 0)) % :shards AS shard, count(*)
FROM sequence_enrollments WHERE status = 'active' AND next_run_at <= :now
GROUP BY 1 ORDER BY 1
""")


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
    rows = uow.session.execute(_DUE_BY_SHARD, {"now": now, "shards": shards})
    return [Shard(int(index), shards, int(due)) for index, due in rows]


def _send_batch(
    ctx: DispatchContext, uow_factory: Callable[[], UnitOfWork], decider: _Decider
) -> CycleSummary:
    """Commit a decided batch, send it, record what happened (the cycle's second thread)."""
    try:
        ready = _commit_decisions(decider)
    finally:
        decider.uow.close()
    summary = decider.summary
    if ready:
        results = ctx.sender.send_batch([p.outgoing for p in ready])
        with uow_factory() as record:
            summary.add(_record(record, ctx.now(), ready, results))
    return summary


class _CollectorOutOfTheWay:
    """Keep the garbage collector's walks off the cycles' hot path. A batch's objects live
    long enough to be promoted, so with the defaults full collections over the whole heap
    (imports, mappers, caches) came every few batches, ~100 ms each, and young ones every
    700 objects: ~35 µs an email in all. While any cycle runs, what the process held before
    is frozen and young collections wait for 20,000 new objects (~0.4 µs an email); the last
    cycle to end puts both back. A process that froze its own heap (gunicorn's workers) keeps
    its freeze as it was: only the threshold moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._threshold: tuple[int, int, int] = gc.get_threshold()
        self._froze = False

    @contextmanager
    def during_a_cycle(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._threshold = gc.get_threshold()
                self._froze = gc.get_freeze_count() == 0
                if self._froze:
                    gc.freeze()
                gc.set_threshold(max(self._threshold[0], 20_000), *self._threshold[1:])
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    gc.set_threshold(*self._threshold)
                    if self._froze:
                        gc.unfreeze()


_collector = _CollectorOutOfTheWay()


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
    with (
        _collector.during_a_cycle(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-send") as pool,
    ):
        in_flight: Future[CycleSummary] | None = None
        busy: list[uuid.UUID] = []
        try:
            for _ in range(max_batches):
                decider = _decide(ctx, uow_factory, scope, ctx.now(), busy)
                if in_flight is not None:
                    summary.add(in_flight.result())
                    in_flight = None
                if decider is None:
                    break
                busy = [e.id for e in decider.batch.enrollments]
                in_flight = pool.submit(_send_batch, ctx, uow_factory, decider)
        finally:
            if in_flight is not None:
                summary.add(in_flight.result())
    return summary
