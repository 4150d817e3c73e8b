"""When will this enrollment's next email go, and every reason it does not go now.

The answer replays what dispatch cycles would do with the enrollment from `now` on, built
from the dispatcher's own pieces so the two cannot disagree: the batch loader (the same
rows the decider sees), `send_rules` and `lead_zone` (lead → template → org), the walk over
wait steps, the mailbox choice, the daily-limit counter keys (warm-up ramp included) and
the re-opening after a spent limit (`next_day_start`, then the next allowed instant). Only
the order of the checks is spelled out here, and it is `_Decider.decide`'s.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_

from sequences_core.db.models import Mailbox, SendCounter, SequenceEnrollment, SequenceStep
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import (
    CounterScope,
    EnrollmentStatus,
    ExecutionStatus,
    LeadStatus,
    MailboxStatus,
    StepType,
)
from sequences_core.rules.decide import Position, Step, after_waits, same_step
from sequences_core.rules.limits import CounterKey, next_day_start
from sequences_core.rules.schedule import SendRules, SkippedDay, explain, holiday_name, is_allowed
from sequences_core.rules.sending import LIMIT_JITTER_MINUTES, counter_keys, lead_zone, send_rules
from sequences_core.services.dispatch.batch import Batch, DueEnrollment, load_batch
from sequences_core.services.dispatch.decider import choose_mailbox


class ReasonCode(StrEnum):
    NOT_ACTIVE = "not_active"
    TEMPLATE_DELETED = "template_deleted"
    LEAD_NOT_ACTIVE = "lead_not_active"
    SUPPRESSED = "suppressed"
    SEQUENCE_ENDS = "sequence_ends"
    CONDITION = "condition"
    WEBHOOK = "webhook"
    TASK_HOLDS = "task_holds"
    SCHEDULED = "scheduled"
    WAIT = "wait"
    IN_FLIGHT = "in_flight"
    DELIVERY_UNKNOWN = "delivery_unknown"
    NO_MAILBOX = "no_mailbox"
    MAILBOX_PAUSED = "mailbox_paused"
    ORGANIZATION_PAUSED = "organization_paused"
    OUTSIDE_WINDOW = "outside_window"
    WEEKEND = "weekend"
    NOT_SEND_DAY = "not_send_day"
    HOLIDAY = "holiday"
    DAILY_LIMIT = "daily_limit"


@dataclass(frozen=True)
class Moment:
    """An instant with the zone it is read in: the lead's, or a daily limit's owner's."""

    utc: datetime
    zone: str

    @property
    def local(self) -> datetime:
        return self.utc.astimezone(ZoneInfo(self.zone))

    def __str__(self) -> str:
        if self.zone in ("UTC", "Etc/UTC"):
            return f"{self.utc:%a %Y-%m-%d %H:%M} UTC"
        return f"{self.local:%a %Y-%m-%d %H:%M %Z} {self.zone} ({self.utc:%Y-%m-%d %H:%M} UTC)"


@dataclass(frozen=True)
class StepRef:
    position: int
    type: str
    step_id: uuid.UUID


@dataclass(frozen=True)
class LimitUsage:
    scope: CounterScope
    scope_id: uuid.UUID
    day: date  # in the limit's zone (`refills_at.zone`)
    used: int
    limit: int  # for a mailbox, its warm-up ramp's limit that day
    warmup: bool  # the ramp holds the mailbox below its daily limit
    refills_at: Moment


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str
    until: Moment | None = None  # when it stops holding, if it ends by itself
    day: date | None = None  # the lead's local day a calendar reason is about
    holiday: str | None = None
    country: str | None = None
    limit: LimitUsage | None = None


@dataclass(frozen=True)
class EnrollmentSchedule:
    enrollment_id: uuid.UUID
    status: str
    status_reason: str | None
    current_step: StepRef | None  # None past the last step
    next_email_step: StepRef | None
    zone: str
    zone_source: str  # lead, template, organization (or default: UTC)
    holiday_country: str | None
    now: Moment
    next_run_at: Moment | None
    # The earliest instant the next email can go by the time rules; None when it never will.
    next_send_at: Moment | None
    jitter_minutes: int  # the dispatcher may send up to this much after next_send_at
    blocked: bool  # a pause or an unsettled send holds it: next_send_at is if lifted now
    reasons: list[Reason]


def explain_enrollment(
    uow: UnitOfWork, org_id: uuid.UUID, enrollment_id: uuid.UUID | str, now: datetime
) -> EnrollmentSchedule:
    """The engine's answer to "when does this enrollment's next email go, and why not now?"."""
    owned = get_owned(uow.session, SequenceEnrollment, org_id, enrollment_id, what="enrollment")
    return _Replay(uow, load_batch(uow, [owned.id]), now.astimezone(UTC)).run()


def _wait_text(config: dict[str, Any]) -> str:
    parts = [
        f"{config.get(k, 0)} {k.replace('_', ' ')}" for k in ("days", "business_days", "hours")
    ]
    return ", ".join(p for p in parts if not p.startswith("0 ")) or "no time"


def _ref(step: SequenceStep | None) -> StepRef | None:
    return StepRef(step.position, step.type, step.id) if step is not None else None


_SCOPE_NAMES = {
    CounterScope.MAILBOX: "mailbox {}",
    CounterScope.TEMPLATE: "the template",
    CounterScope.ORGANIZATION: "the organization",
}
_STOPS = "the next cycle stops the enrollment"
_PAUSES = "the next cycle pauses the enrollment"
# Steps whose outcome decides when (or which) email comes next: the explanation stops there.
_BEFORE_THE_EMAIL: dict[str, tuple[ReasonCode, str]] = {
    StepType.CONDITION: (
        ReasonCode.CONDITION,
        "step {n} is a condition: its branch decides the next email (at the next cycle, or"
        " when its window closes or the lead acts)",
    ),
    StepType.WEBHOOK: (
        ReasonCode.WEBHOOK,
        "step {n} calls a webhook first; what follows goes once it is answered",
    ),
    StepType.TASK: (
        ReasonCode.TASK_HOLDS,
        "step {n} is a task that holds the enrollment until it is completed (or times out)",
    ),
}


class _Replay:
    """Walks one enrollment through the dispatcher's checks, collecting why it waits."""

    def __init__(self, uow: UnitOfWork, batch: Batch, now: datetime) -> None:
        self.uow, self.batch, self.now = uow, batch, now
        self.original = batch.enrollments[0]
        self.e = replace(self.original)  # moved through its steps as the decider would
        self.lead = batch.leads[self.e.lead_id]
        self.template = batch.templates[self.e.template_id]
        self.org = batch.orgs[self.e.organization_id]
        self.settings = batch.settings[self.template.id]
        self.steps = batch.steps[self.template.id]
        self.rules = send_rules(self.settings, self.lead, self.org)
        self.zone, self.zone_source = lead_zone(self.settings, self.lead, self.org)
        self.reasons: list[Reason] = []
        self.blocked = False
        self.jitter = 0
        self.deferred = False  # next_run_at lies ahead, set by something other than a wait
        self.email_step: SequenceStep | None = None
        self.named_limits: set[tuple[Any, ...]] = set()

    def run(self) -> EnrollmentSchedule:
        send_at = self._send_at()
        e = self.original
        return EnrollmentSchedule(
            enrollment_id=e.id,
            status=e.status,
            status_reason=e.paused_reason or e.stopped_reason,
            current_step=_ref(self._step(e.current_step)),
            next_email_step=_ref(self.email_step),
            zone=self.zone,
            zone_source=self.zone_source,
            holiday_country=self.rules.holiday_country,
            now=self._moment(self.now),
            next_run_at=self._moment(e.next_run_at) if e.next_run_at else None,
            next_send_at=self._moment(send_at) if send_at else None,
            jitter_minutes=self.jitter if send_at else 0,
            blocked=self.blocked and send_at is not None,
            reasons=self.reasons,
        )

    def _step(self, position: int) -> SequenceStep | None:
        return self.steps[position] if 0 <= position < len(self.steps) else None

    def _moment(self, t: datetime) -> Moment:
        return Moment(t.astimezone(UTC), self.zone)

    def _add(self, reason: Reason, *, blocks: bool = False) -> None:
        self.reasons.append(reason)
        self.blocked = self.blocked or blocks

    def _send_at(self) -> datetime | None:
        if not self._live():
            return None
        walked = self._walk(self._claimed_at())
        if walked is None:
            return None
        self.email_step, at = walked
        mailbox = self._mailbox(self.email_step)
        if mailbox is None:
            return None
        if self.deferred:
            self._held_now(mailbox)
        opened = self._window(at)
        if opened != at:
            self.jitter = self.settings.jitter_minutes
        return self._limits(opened, mailbox)

    def _held_now(self, mailbox: Mailbox) -> None:
        """An earlier cycle deferred it: a closed window or spent limits now are why, so they
        are named too, though the replay goes on from its `next_run_at`."""
        self._window(self.now)
        self._spent(self.now, mailbox)

    def _live(self) -> bool:
        """The claim's filter and the decider's first checks: False when it never sends again."""
        e, lead = self.e, self.lead
        if e.status != EnrollmentStatus.ACTIVE:
            paused = e.status == EnrollmentStatus.PAUSED
            why = e.paused_reason or e.stopped_reason
            message = f"the enrollment is {e.status}" + (f": {why}" if why else "")
            tail = "; nothing goes until it is resumed" if paused else ""
            self._add(Reason(ReasonCode.NOT_ACTIVE, message + tail), blocks=paused)
            if not paused:
                return False
        suppressed = self.batch.suppressed.get((e.organization_id, lead.email.lower()))
        if self.template.deleted_at is not None:
            message = f"the template was deleted: {_STOPS}"
            self._add(Reason(ReasonCode.TEMPLATE_DELETED, message))
        elif lead.status != LeadStatus.ACTIVE:
            message = f"the lead's status is {lead.status}: {_STOPS}"
            self._add(Reason(ReasonCode.LEAD_NOT_ACTIVE, message))
        elif suppressed is not None:
            message = f"{lead.email} is suppressed ({suppressed}): {_STOPS}"
            self._add(Reason(ReasonCode.SUPPRESSED, message))
        else:
            return True
        return False

    def _claimed_at(self) -> datetime:
        """When a cycle next takes it: its `next_run_at`, or now (a resume sets it to now)."""
        e = self.e
        due = e.next_run_at if e.status == EnrollmentStatus.ACTIVE and e.next_run_at else self.now
        if due <= self.now:
            return self.now
        until = self._moment(due)
        before = self._step(e.current_step - 1)
        if before is not None and before.type == StepType.WAIT:
            message = (
                f"wait step {before.position} ({_wait_text(before.config)}) runs until {until}"
            )
            self._add(Reason(ReasonCode.WAIT, message, until=until))
        else:
            message = (
                f"not due until {until} (its start, an earlier deferral, a retry or an"
                " out-of-office return)"
            )
            self._add(Reason(ReasonCode.SCHEDULED, message, until=until))
            self.deferred = True
        return due

    def _walk(self, at: datetime) -> tuple[SequenceStep, datetime] | None:
        """The decider's step loop: waits move the time on, tasks are done on the way."""
        e, steps = self.e, self.steps
        for _ in range(len(steps) + 1):
            step = self._step(e.current_step)
            if step is None:
                message = "no email step is left: the enrollment completes"
                self._add(Reason(ReasonCode.SEQUENCE_ENDS, message))
                return None
            if step.type == StepType.WAIT:
                _pass_waits(e, steps, self.rules, e.last_step_at or at)
                if e.next_run_at is not None and e.next_run_at > at:
                    until = self._moment(e.next_run_at)
                    wait = _wait_text(step.config)
                    message = f"wait step {step.position} ({wait}) runs until {until}"
                    self._add(Reason(ReasonCode.WAIT, message, until=until))
                    at = e.next_run_at
            elif step.type == StepType.TASK and not step.config.get("wait_until_done"):
                e.current_step, e.last_step_at = e.current_step + 1, at
            elif step.type == StepType.EMAIL:
                return step, at
            else:
                code, words = _BEFORE_THE_EMAIL[step.type]
                self._add(Reason(code, words.format(n=step.position)))
                return None
        return None

    def _mailbox(self, step: SequenceStep) -> Mailbox | None:
        """The checks between the claim and the window: an unsettled send, the mailbox, the org."""
        latest = self.batch.latest.get(self.e.id)
        if latest is not None and same_step(latest, step.id, step.position):
            if latest.status in (ExecutionStatus.SENDING, ExecutionStatus.PENDING):
                lease = latest.lease_expires_at
                message = f"a send of step {step.position} is in flight; reconciliation settles it"
                until = self._moment(lease) if lease else None
                self._add(Reason(ReasonCode.IN_FLIGHT, message, until=until), blocks=True)
            elif latest.status == ExecutionStatus.UNKNOWN:
                message = f"whether step {step.position} went is unknown: {_PAUSES}"
                self._add(Reason(ReasonCode.DELIVERY_UNKNOWN, message), blocks=True)
        mailbox = choose_mailbox(self.batch, self.e, step, self.org)
        if mailbox is None:
            message = f"no mailbox to send from: {_PAUSES}"
            self._add(Reason(ReasonCode.NO_MAILBOX, message))
            return None
        if mailbox.status != MailboxStatus.ACTIVE:
            why = f": {mailbox.paused_reason}" if mailbox.paused_reason else ""
            message = f"mailbox {mailbox.from_email} is {mailbox.status}{why}"
            self._add(Reason(ReasonCode.MAILBOX_PAUSED, message), blocks=True)
        if self.org.paused_reason:
            message = f"the organization is paused: {self.org.paused_reason}"
            self._add(Reason(ReasonCode.ORGANIZATION_PAUSED, message), blocks=True)
        return mailbox

    def _window(self, at: datetime) -> datetime:
        """The first allowed instant from `at`, naming the closed window and each skipped day."""
        if is_allowed(at, self.rules):
            return at
        found = explain(at, self.rules)
        if not found.skipped:  # it opens later the same local day
            local, opens = at.astimezone(self.rules.zone), self._moment(found.next_allowed)
            window = f"{self.rules.start:%H:%M}-{self.rules.end:%H:%M}"
            message = (
                f"{local:%H:%M} in {self.zone} is outside the send window {window};"
                f" it opens {opens}"
            )
            self._add(Reason(ReasonCode.OUTSIDE_WINDOW, message, until=opens, day=local.date()))
        for skipped in found.skipped:
            self._add(self._day(skipped))
        return found.next_allowed

    def _day(self, skipped: SkippedDay) -> Reason:
        """A local day the window did not open, with its code (`explain` gives the words)."""
        day, country = skipped.day, self.rules.holiday_country
        message = f"{day:%a %Y-%m-%d} in {self.zone}: {skipped.reason}"
        name = holiday_name(day, country)
        if day.isoweekday() not in self.rules.days:
            code = ReasonCode.WEEKEND if day.isoweekday() >= 6 else ReasonCode.NOT_SEND_DAY
        elif name is not None:
            return Reason(
                ReasonCode.HOLIDAY, f"{message} ({country})", day=day, holiday=name, country=country
            )
        else:
            code = ReasonCode.OUTSIDE_WINDOW
        return Reason(code, message, day=day)

    def _limits(self, at: datetime, mailbox: Mailbox) -> datetime:
        """Defer past spent daily limits as `allocate` does: to the first spent one's refill,
        then its first window opening; again while a limit of that day is spent too."""
        while spent := self._spent(at, mailbox):
            at = self._window(next_day_start(at, spent[0].zone))
            self.jitter = LIMIT_JITTER_MINUTES
        return at

    def _spent(self, at: datetime, mailbox: Mailbox) -> list[CounterKey]:
        """The limits an email at `at` would find spent, each named; in `counter_keys` order."""
        keys = counter_keys(self.org, mailbox, self.template.id, self.settings, at)
        used = self._used(keys)
        spent = [key for key in keys if used.get(key.pk, 0) >= key.limit]
        for key in spent:
            if key.pk not in self.named_limits:  # the deferral loop may meet it again that day
                self.named_limits.add(key.pk)
                self._add(self._limit_reason(key, used[key.pk], mailbox, at))
        return spent

    def _used(self, keys: tuple[CounterKey, ...]) -> dict[tuple[Any, ...], int]:
        """What the send_counters ledger holds for these keys (no row: nothing sent)."""
        c = SendCounter
        columns = (c.organization_id, c.scope, c.scope_id, c.day)
        wanted = tuple_(*columns).in_([k.pk for k in keys])
        rows = self.uow.session.execute(select(*columns, c.sent).where(wanted))
        return {(org, scope, sid, day): sent for org, scope, sid, day, sent in rows}

    def _limit_reason(self, key: CounterKey, used: int, mailbox: Mailbox, at: datetime) -> Reason:
        refills = Moment(next_day_start(at, key.zone), key.zone)
        warmup = key.scope == CounterScope.MAILBOX and key.limit < mailbox.daily_limit
        ramp = f" (warm-up ramp; {mailbox.daily_limit} once warmed up)" if warmup else ""
        whose = _SCOPE_NAMES[key.scope].format(mailbox.from_email)
        message = (
            f"the daily limit of {whose} is spent for {key.day}: {used} of {key.limit}{ramp};"
            f" it refills {refills}"
        )
        usage = LimitUsage(key.scope, key.scope_id, key.day, used, key.limit, warmup, refills)
        return Reason(ReasonCode.DAILY_LIMIT, message, until=refills, limit=usage)


def _pass_waits(
    e: DueEnrollment, steps: list[SequenceStep], rules: SendRules, since: datetime
) -> None:
    """The rules' walk past waits (`rules.decide.after_waits`), on the enrollment explained."""
    at = Position(e.status, e.current_step, e.next_run_at, e.last_step_at, e.completed_at)
    plain = [Step(s.id, s.type, s.config) for s in steps]
    moved = after_waits(at, plain, rules, since)
    e.current_step, e.next_run_at = moved.current_step, moved.next_run_at
    e.status, e.completed_at = moved.status, moved.completed_at
