"""What one enrollment does now: a pure function over plain values.

`decide` walks the enrollment's steps from where it stands: it stops it (deleted template,
inactive or suppressed lead), passes waits, tasks and decided conditions (following their
branch), and ends at the first thing it cannot do alone: an email or a webhook call (made by
the dispatcher), a time to come back (a wait, a closed window, a paused mailbox, a condition
whose answer is not known yet, a task that holds), a pause, or the end of the sequence. It
reads no database and sends nothing; the dispatcher loads the facts, applies the decision
and performs its actions. `after_send` is where an enrollment stands once its step went.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from sequences_core.enums import (
    EnrollmentStatus,
    ExecutionStatus,
    LeadStatus,
    StepType,
    SuppressionReason,
    TaskStatus,
)
from sequences_core.rules.conditions import Engagement, evaluate
from sequences_core.rules.schedule import (
    SendRules,
    add_wait,
    is_allowed,
    next_allowed_instant,
    with_jitter,
)
from sequences_core.rules.step_graph import target_index

M = TypeVar("M")
MAX_SEND_ATTEMPTS = 5
PAUSED_MAILBOX_RETRY = timedelta(hours=1)
# A condition still open is looked at again by this time at the latest, even if no event
# woke it and its window is longer (a safety net for a wake-up lost to a crash).
CONDITION_RECHECK = timedelta(hours=6)

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
    awaiting_engagement: bool = False


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
class HeldTask:
    """The task a step created for this enrollment, as it stands."""

    status: str
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class LastAttempt:
    """The enrollment's latest execution."""

    step_id: uuid.UUID | None
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
    engagement: Engagement = field(default_factory=Engagement)
    lead_values: Mapping[str, Any] = field(default_factory=dict)  # for field rules
    tasks: Mapping[uuid.UUID, HeldTask] = field(default_factory=dict)  # by step id


@dataclass(frozen=True, slots=True)
class CreateTask:
    step: Step
    due_at: datetime


@dataclass(frozen=True, slots=True)
class RecordCondition:
    """A condition decided: which branch, and what decided it (kept on its execution)."""

    step: Step
    position: int
    result: bool
    branch: str
    seen: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SendEmail:
    step: Step
    position: int
    attempt: int
    mailbox_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class CallWebhook:
    step: Step
    position: int
    attempt: int


Action = CreateTask | SendEmail | RecordCondition | CallWebhook
Outcome = Literal[
    "email", "webhook", "waiting", "waiting_condition", "caught_up", "deferred_window",
    "deferred_paused", "in_flight", "paused", "stopped", "completed",
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
    decision = _decide(at, steps, facts, now, rng)
    awaiting = decision.outcome == "waiting_condition"
    if decision.position.awaiting_engagement == awaiting:
        return decision
    return replace(decision, position=replace(decision.position, awaiting_engagement=awaiting))


def _decide(
    at: Position, steps: Sequence[Step], facts: Facts, now: datetime, rng: random.Random
) -> Decision:
    if facts.template_deleted:
        return _stop(at, EnrollmentStatus.STOPPED, "template_deleted")
    if facts.lead_status != LeadStatus.ACTIVE:
        return _stop(at, EnrollmentStatus.STOPPED, f"lead_{facts.lead_status}")
    if facts.suppressed is not None:
        status = _SUPPRESSION_STATUS.get(facts.suppressed, EnrollmentStatus.STOPPED)
        return _stop(at, status, f"suppressed: {facts.suppressed}")
    done: list[Action] = []
    for _ in range(2 * len(steps) + 2):  # a loop at save has a wait, so this is never reached
        if at.current_step >= len(steps):
            return Decision(_complete(at, now), "completed", tuple(done))
        step = steps[at.current_step]
        if step.type in (StepType.EMAIL, StepType.WEBHOOK):
            send = _email if step.type == StepType.EMAIL else _webhook
            decided = send(at, step, steps, facts, now, rng)
            return replace(decided, actions=(*done, *decided.actions))
        walked = _walk(at, step, steps, facts, now, done)
        if isinstance(walked, Decision):
            return walked
        at = walked
    return Decision(_pause(at, "step_loop: the steps loop without waiting"), "paused", tuple(done))


def _walk(
    at: Position, step: Step, steps: Sequence[Step], facts: Facts, now: datetime,
    done: list[Action],
) -> Decision | Position:  # fmt: skip
    """A step that sends no email: where the enrollment goes on from, or where it stops."""
    if step.type == StepType.WAIT:
        at = after_waits(at, steps, facts.rules, at.last_step_at or now)
        if at.next_run_at is None:
            return Decision(at, "completed", tuple(done))
        return Decision(at, "waiting", tuple(done)) if at.next_run_at > now else at
    if step.type == StepType.TASK:
        return _task(at, step, facts, now, done)
    if step.type == StepType.CONDITION:
        return _condition(at, step, steps, facts, now, done)
    return Decision(_pause(at, f"unsupported_step: {step.type}"), "paused", tuple(done))


def _task(
    at: Position, step: Step, facts: Facts, now: datetime, done: list[Action]
) -> Decision | Position:
    """Create the step's task and go on; a task that holds keeps the enrollment here until
    it is completed (which wakes the enrollment) or its timeout passes."""
    held = facts.tasks.get(step.id)
    if held is None or (at.last_step_at is not None and held.created_at < at.last_step_at):
        done.append(CreateTask(step, now + timedelta(days=int(step.config.get("due_in_days", 0)))))
        if not step.config.get("wait_until_done"):
            return _next(at, now)
        return Decision(replace(at, next_run_at=_timeout(step, now, facts)), "waiting", tuple(done))
    if held.status == TaskStatus.COMPLETED:
        return _next(at, held.completed_at or now)
    timeout = _timeout(step, held.created_at, facts)
    if timeout is None or now < timeout:
        return Decision(replace(at, next_run_at=timeout), "waiting", tuple(done))
    if step.config.get("on_timeout", "continue") == "pause":
        return Decision(_pause(at, "task_timeout"), "paused", tuple(done))
    return _next(at, now)


def _timeout(step: Step, since: datetime, facts: Facts) -> datetime | None:
    days = int(step.config.get("timeout_business_days") or 0)
    return add_wait(since, facts.rules, business_days=days) if days else None


def _condition(
    at: Position, step: Step, steps: Sequence[Step], facts: Facts, now: datetime,
    done: list[Action],
) -> Decision | Position:  # fmt: skip
    """Decide the rules and follow the branch; while the answer is not known, wait here until
    it will be (an open, click or reply wakes the enrollment sooner)."""
    found = evaluate(step.config["rules"], facts.engagement, facts.lead_values, now)
    if found.result is None:
        recheck = min(found.recheck_at or now + CONDITION_RECHECK, now + CONDITION_RECHECK)
        return Decision(replace(at, next_run_at=recheck), "waiting_condition", tuple(done))
    branch = "if_true" if found.result else "if_false"
    try:
        target = target_index(steps, at.current_step, step.config.get(branch, "next"))
    except KeyError:
        return Decision(_pause(at, f"condition_target_missing: {branch}"), "paused", tuple(done))
    done.append(RecordCondition(step, at.current_step, found.result, branch, found.seen))
    if target is None:
        return Decision(_complete(at, now), "completed", tuple(done))
    return replace(at, current_step=target, last_step_at=now)


def _next(at: Position, when: datetime) -> Position:
    return replace(at, current_step=at.current_step + 1, last_step_at=when)


def _email(
    at: Position, step: Step, steps: Sequence[Step], facts: Facts, now: datetime,
    rng: random.Random,
) -> Decision:  # fmt: skip
    latest, attempt = facts.latest, 1
    if latest is not None and same_step(latest, step.id, at.current_step):
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


def _webhook(
    at: Position, step: Step, steps: Sequence[Step], facts: Facts, now: datetime,
    rng: random.Random,
) -> Decision:  # fmt: skip
    """Call the step's endpoint. A failed attempt that is here again is a retry (the record
    of a failure already moved on or paused what may not be retried); an attempt a crash
    cut off is tried again too: every attempt carries the same Idempotency-Key."""
    latest, attempt = facts.latest, 1
    if latest is not None and same_step(latest, step.id, at.current_step):
        if latest.status in (ExecutionStatus.COMPLETED, ExecutionStatus.SENT):
            caught_up = after_send(at, steps, facts.rules, latest.completed_at or now)
            return Decision(caught_up, "caught_up")
        if latest.status in (ExecutionStatus.SENDING, ExecutionStatus.PENDING):
            again = max(latest.lease_expires_at or now, now) + timedelta(seconds=1)
            return Decision(replace(at, next_run_at=again), "in_flight")
        attempt = latest.attempt + 1
    return Decision(at, "webhook", (CallWebhook(step, at.current_step, attempt),))


def same_step(latest: LastAttempt, step_id: uuid.UUID, position: int) -> bool:
    """Whether the latest execution was this step's: by id (a reorder moves positions), by
    position for executions older than step ids."""
    if latest.step_id is not None:
        return latest.step_id == step_id
    return latest.step_position == position


def choose_sender(facts: Facts, step: Step) -> MailboxView | None:
    return choose(facts.mailboxes, facts.enrollment_mailbox, step.config, facts.default_mailbox)


def choose(
    own: Mapping[uuid.UUID, M], enrollment_mailbox: uuid.UUID | None,
    step_config: Mapping[str, Any], default: M | None,
) -> M | None:  # fmt: skip
    """The enrollment's mailbox, else the step's, else the organization's first: among the
    organization's own (`own`), whatever form the caller holds them in."""
    for ident in (enrollment_mailbox, step_config.get("mailbox_id")):
        if ident is not None:
            found = own.get(uuid.UUID(str(ident)))
            if found is not None:
                return found
    return default


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
