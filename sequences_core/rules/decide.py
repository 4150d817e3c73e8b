"""What one enrollment does now: a pure function over plain values.

`decide` walks the enrollment's steps from where it stands: it stops it (deleted template,
inactive or suppressed lead), passes waits and tasks, and ends at the first thing it cannot
do alone: an email to send (rendered, limited and sent by the dispatcher), a time to come
back (a wait, a closed window, a paused mailbox), a pause, or the end of the sequence. It
reads no database and sends nothing; the dispatcher loads the facts, applies the decision
and performs its actions. `after_send` is where an enrollment stands once its email went.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sequences_core.enums import (
    EnrollmentStatus,
    ExecutionStatus,
    LeadStatus,
    StepType,
    SuppressionReason,
)
from sequences_core.schedule import (
    SendRules,
    add_wait,
    is_allowed,
    next_allowed_instant,
    with_jitter,
)

MAX_SEND_ATTEMPTS = 5
PAUSED_MAILBOX_RETRY = timedelta(hours=1)

_SUPPRESSION_STATUS = {
    SuppressionReason.HARD_BOUNCE.value: EnrollmentStatus.BOUNCED,
    SuppressionReason.COMPLAINT.value: EnrollmentStatus.UNSUBSCRIBED,
    SuppressionReason.UNSUBSCRIBE.value: EnrollmentStatus.UNSUBSCRIBED,
    SuppressionReason.UNSUBSCRIBE_REPLY.value: EnrollmentStatus.UNSUBSCRIBED,
}


@dataclass(frozen=True, slots=True)
class Position:
    """Where an enrollment stands: what `decide` reads and returns changed."""

    status: str
    current_step: int
    next_run_at: datetime | None
    last_step_at: datetime | None
    completed_at: datetime | None = None
    paused_reason: str | None = None
    stopped_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    id: uuid.UUID
    type: str
    config: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MailboxView:
    """A mailbox as the rules see it."""

    id: uuid.UUID
    active: bool


@dataclass(frozen=True, slots=True)
class LastAttempt:
    """The enrollment's latest execution."""

    step_position: int
    attempt: int
    status: str
    completed_at: datetime | None
    lease_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything about the enrollment's world that the rules read, loaded by the caller."""

    rules: SendRules
    jitter_minutes: int
    lead_status: str
    suppressed: str | None  # the suppression's reason
    template_deleted: bool
    org_paused: bool
    mailboxes: Mapping[uuid.UUID, MailboxView]  # the organization's own
    enrollment_mailbox: uuid.UUID | None
    default_mailbox: MailboxView | None
    latest: LastAttempt | None


@dataclass(frozen=True, slots=True)
class CreateTask:
    step: Step
    due_at: datetime


@dataclass(frozen=True, slots=True)
class SendEmail:
    step: Step
    position: int
    attempt: int
    mailbox_id: uuid.UUID


Action = CreateTask | SendEmail
Outcome = Literal[
    "email", "waiting", "caught_up", "deferred_window", "deferred_paused", "in_flight",
    "paused", "stopped", "completed",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decision:
    position: Position
    outcome: Outcome
    actions: tuple[Action, ...] = field(default=())

    @property
    def email(self) -> SendEmail | None:
        last = self.actions[-1] if self.actions else None
        return last if isinstance(last, SendEmail) else None


def decide(
    at: Position, steps: Sequence[Step], facts: Facts, now: datetime, rng: random.Random
) -> Decision:
    """The one rule of what an enrollment does at `now` (see the module's docstring)."""
    if facts.template_deleted:
        return _stop(at, EnrollmentStatus.STOPPED, "template_deleted")
    if facts.lead_status != LeadStatus.ACTIVE:
        return _stop(at, EnrollmentStatus.STOPPED, f"lead_{facts.lead_status}")
    if facts.suppressed is not None:
        status = _SUPPRESSION_STATUS.get(facts.suppressed, EnrollmentStatus.STOPPED)
        return _stop(at, status, f"suppressed: {facts.suppressed}")
    tasks: list[Action] = []
    for _ in range(len(steps) + 1):
        if at.current_step >= len(steps):
            return Decision(_complete(at, now), "completed", tuple(tasks))
        step = steps[at.current_step]
        if step.type == StepType.WAIT:
            at = after_waits(at, steps, facts.rules, at.last_step_at or now)
            if at.next_run_at is None or at.next_run_at > now:
                return Decision(
                    at, "completed" if at.next_run_at is None else "waiting", tuple(tasks)
                )
        elif step.type == StepType.TASK:
            due = now + timedelta(days=int(step.config.get("due_in_days", 0)))
            tasks.append(CreateTask(step, due))
            at = replace(at, current_step=at.current_step + 1, last_step_at=now)
        elif step.type == StepType.EMAIL:
            decided = _email(at, step, steps, facts, now, rng)
            return replace(decided, actions=(*tasks, *decided.actions))
        else:  # condition and webhook steps arrive with the richer step logic
            return Decision(_pause(at, f"unsupported_step: {step.type}"), "paused", tuple(tasks))
    return Decision(at, "waiting", tuple(tasks))


def _email(
    at: Position, step: Step, steps: Sequence[Step], facts: Facts, now: datetime,
    rng: random.Random,
) -> Decision:  # fmt: skip
    latest, attempt = facts.latest, 1
    if latest is not None and latest.step_position == at.current_step:
        if latest.status == ExecutionStatus.SENT:  # sent, but the advance was lost: catch up
            return Decision(
                after_send(at, steps, facts.rules, latest.completed_at or now), "caught_up"
            )
        if latest.status in (ExecutionStatus.SENDING, ExecutionStatus.PENDING):
            again = max(latest.lease_expires_at or now, now) + timedelta(seconds=1)
            return Decision(replace(at, next_run_at=again), "in_flight")  # never a second send
        if latest.status == ExecutionStatus.UNKNOWN:
            return Decision(_pause(at, "delivery_unknown"), "paused")
        attempt = latest.attempt + 1
        if attempt > MAX_SEND_ATTEMPTS:
            return _stop(at, EnrollmentStatus.FAILED, f"send failed {latest.attempt} times")
    mailbox = choose_sender(facts, step)
    if mailbox is None:
        return Decision(_pause(at, "no_mailbox"), "paused")
    if not mailbox.active or facts.org_paused:
        return Decision(replace(at, next_run_at=now + PAUSED_MAILBOX_RETRY), "deferred_paused")
    if not is_allowed(now, facts.rules):
        opening = next_allowed_instant(now, facts.rules)
        later = with_jitter(opening, facts.rules, facts.jitter_minutes, rng)
        return Decision(replace(at, next_run_at=later), "deferred_window")
    return Decision(at, "email", (SendEmail(step, at.current_step, attempt, mailbox.id),))


def choose_sender(facts: Facts, step: Step) -> MailboxView | None:
    """The enrollment's mailbox, else the step's, else the organization's first."""
    for ident in (facts.enrollment_mailbox, step.config.get("mailbox_id")):
        if ident is not None:
            found = facts.mailboxes.get(uuid.UUID(str(ident)))
            if found is not None:
                return found
    return facts.default_mailbox


def after_waits(at: Position, steps: Sequence[Step], rules: SendRules, since: datetime) -> Position:
    """Past the waits from `at.current_step` on, counted from `since` (when the step before
    went, so a late send does not shorten the spacing); completed past the last step."""
    due, current = since, at.current_step
    while current < len(steps) and steps[current].type == StepType.WAIT:
        config = steps[current].config
        due = add_wait(
            due, rules, days=int(config.get("days", 0)), hours=int(config.get("hours", 0)),
            business_days=int(config.get("business_days", 0)),
        )  # fmt: skip
        current += 1
    if current >= len(steps):
        return replace(_complete(at, since), current_step=current)
    return replace(at, current_step=current, next_run_at=due)


def after_send(
    at: Position, steps: Sequence[Step], rules: SendRules, sent_at: datetime
) -> Position:
    """Where an enrollment stands once the email at its current step went at `sent_at`."""
    moved = replace(at, current_step=at.current_step + 1, last_step_at=sent_at)
    return after_waits(moved, steps, rules, sent_at)


def _complete(at: Position, now: datetime) -> Position:
    return replace(at, status=EnrollmentStatus.COMPLETED.value, completed_at=now, next_run_at=None)


def _pause(at: Position, reason: str) -> Position:
    return replace(at, status=EnrollmentStatus.PAUSED.value, paused_reason=reason, next_run_at=None)


def _stop(at: Position, status: EnrollmentStatus, reason: str) -> Decision:
    stopped = replace(at, status=status.value, stopped_reason=reason, next_run_at=None)
    return Decision(stopped, "stopped")
