"""How many emails go each day of the next days, and how many a daily limit holds back: a
pure simulation over plain values.

It replays what the dispatcher does with the enrollments, built from its own pieces so the
two cannot disagree: `rules.decide.decide` for every step (waits, windows in the lead's zone,
weekends, holidays, tasks, conditions, paused mailboxes), `after_send` for where an email
leaves an enrollment, `counter_keys` for the daily limits an email draws on (mailbox with
its warm-up ramp in its zone, template and organization in the organization's zone), and the
dispatcher's deferral past a spent limit (its refill, then the lead's next allowed instant).
Due enrollments are taken in the dispatcher's claim order (due time, then id) and the limits
are granted in that order.

What it assumes, because the future is not known: no new events (no replies, opens, clicks,
bounces or pauses), so a condition takes the branch today's facts give once its window
closes; a webhook call is answered at once; no task is completed by a person; sends go at
the earliest instant of their jitter range, by a dispatcher that runs continuously.
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from sequences_core.enums import (
    CounterScope,
    EnrollmentStatus,
    ExecutionStatus,
    StepType,
    TaskStatus,
)
from sequences_core.rules.conditions import Sent
from sequences_core.rules.decide import (
    CallWebhook,
    CreateTask,
    Decision,
    Facts,
    HeldTask,
    LastAttempt,
    Position,
    SendEmail,
    Step,
    after_send,
    decide,
)
from sequences_core.rules.limits import CounterKey, next_day_start
from sequences_core.rules.schedule import SendRules, next_allowed_instant
from sequences_core.rules.sending import counter_keys
from sequences_core.schemas import TemplateSettings

if TYPE_CHECKING:  # read for their attributes only
    from sequences_core.db.models import Mailbox, Organization

DEFAULT_DAYS = 14
MAX_DAYS = 60


class LimitRef(NamedTuple):
    """A daily limit: whose (mailbox, template or organization)."""

    scope: CounterScope
    scope_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Plan:
    """One active enrollment to forecast: where it stands and what the rules read about it."""

    id: uuid.UUID
    template_id: uuid.UUID
    position: Position
    facts: Facts


@dataclass(frozen=True)
class World:
    """What every enrollment shares: the organization, its mailboxes, the templates' settings
    and steps, and what the daily counters already hold (`CounterKey.pk` -> sent)."""

    org: Organization
    mailboxes: Mapping[uuid.UUID, Mailbox]
    settings: Mapping[uuid.UUID, TemplateSettings]
    steps: Mapping[uuid.UUID, Sequence[Step]]
    used: Mapping[tuple[uuid.UUID, str, uuid.UUID, date], int] = field(default_factory=dict)


@dataclass
class DayTally:
    """One day (in the organization's zone) of one scope (a template, or the organization)."""

    day: date
    sent: int = 0
    first_emails: int = 0  # emails to enrollments that had sent nothing before
    deferred: Counter[LimitRef] = field(default_factory=Counter)  # held back, by limit
    by_mailbox: Counter[uuid.UUID] = field(default_factory=Counter)
    webhooks: int = 0  # webhook calls: not emails
    tasks: int = 0  # tasks created: not emails

    @property
    def deferred_total(self) -> int:
        return sum(self.deferred.values())


@dataclass
class ScopeForecast:
    """The forecast of a template (or of the whole organization when `template_id` is None)."""

    template_id: uuid.UUID | None
    days: list[DayTally]
    enrollments: int = 0  # active enrollments forecast
    awaiting_first: int = 0  # of them, those that have sent nothing yet
    first_sent: int = 0  # of those, how many get their first email within the days
    last_first_day: date | None = None  # the day the last of them went
    pending_at_end: int = 0  # still active when the days end
    deferred: Counter[LimitRef] = field(default_factory=Counter)  # over all days

    @property
    def sent(self) -> int:
        return sum(d.sent for d in self.days)

    @property
    def bottleneck(self) -> LimitRef | None:
        """The limit that held back the most emails."""
        return self.deferred.most_common(1)[0][0] if self.deferred else None


@dataclass
class Forecast:
    start: datetime
    end: datetime  # the organization's midnight after the last day
    zone: str  # the organization's: the days are its days
    org: ScopeForecast
    templates: dict[uuid.UUID, ScopeForecast]
    limits: dict[LimitRef, int]  # each limit as last met (a warm-up ramp changes it daily)
    # What each daily counter holds at the end: `CounterKey.pk` -> (sent, limit).
    counters: dict[tuple[uuid.UUID, str, uuid.UUID, date], tuple[int, int]]

    def scope(self, template_id: uuid.UUID | None) -> ScopeForecast:
        if template_id is None:
            return self.org
        return self.templates.get(template_id) or _empty_scope(template_id, self)


class _Earliest(random.Random):
    """Jitter at its lower bound: the forecast times a send at the start of its range."""

    def uniform(self, a: float, b: float) -> float:
        return a


class _Slot:
    """One daily counter (`CounterKey.pk`) as the simulation fills it."""

    __slots__ = ("limit", "ref", "used", "zone")

    def __init__(self, key: CounterKey, used: int) -> None:
        self.used, self.limit, self.zone = used, key.limit, key.zone
        self.ref = LimitRef(key.scope, key.scope_id)


class _Lane:
    """The emails of one template from one mailbox to leads under one set of send rules:
    they draw on the same counters and reopen at the same instant after a spent one."""

    __slots__ = ("mailbox_id", "rules", "scopes", "slots", "stamp", "template_id")

    def __init__(
        self, mailbox_id: uuid.UUID, template_id: uuid.UUID, rules: SendRules,
        scopes: tuple[ScopeForecast, ...],
    ) -> None:  # fmt: skip
        self.mailbox_id, self.template_id, self.rules = mailbox_id, template_id, rules
        self.scopes = scopes
        self.slots: tuple[_Slot, ...] = ()
        self.stamp = -1  # the round `slots` are for


class _Run:
    """One enrollment moving through the simulation."""

    __slots__ = ("facts", "first", "id", "lane", "order", "position", "ready", "scopes", "steps")

    def __init__(
        self, plan: Plan, steps: Sequence[Step], scopes: tuple[ScopeForecast, ...]
    ) -> None:
        self.id, self.steps, self.scopes = plan.id, steps, scopes
        self.position, self.facts = plan.position, plan.facts
        self.first = plan.facts.latest is None  # nothing sent or called yet
        self.ready: SendEmail | None = None  # an email held back by a limit: due again as is
        self.lane: _Lane | None = None
        self.order = 0  # the claim order: due instant, then id


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _order(due: datetime, ident: int) -> int:
    """(due, id) as one integer: the dispatcher's claim order, cheap to sort by."""
    return ((due - _EPOCH) // _MICROSECOND) << 128 | ident


# (claimed at, order of the first, seq, runs, their lane when a limit held them all back)
_Entry = tuple[datetime, int, int, list[_Run], "_Lane | None"]


def forecast(
    plans: Iterable[Plan], world: World, start: datetime, days: int = DEFAULT_DAYS
) -> Forecast:
    """The next `days` days of the organization's zone, from `start` (part of day one)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    return _Simulation(world, start.astimezone(UTC), days).run(plans)


def _empty_scope(template_id: uuid.UUID | None, result: Forecast) -> ScopeForecast:
    return ScopeForecast(template_id, [DayTally(d.day) for d in result.org.days])


class _Simulation:
    def __init__(self, world: World, start: datetime, days: int) -> None:
        self.world, self.start, self.zone = world, start, world.org.timezone
        self.first_day = start.astimezone(ZoneInfo(self.zone)).date()
        last_day = self.first_day + timedelta(days=days - 1)
        self.end = next_day_start(
            datetime.combine(last_day, time(12), ZoneInfo(self.zone)), self.zone
        )
        self.days = days
        self.org = ScopeForecast(None, self._days())
        self.templates: dict[uuid.UUID, ScopeForecast] = {}
        self.slots: dict[tuple[uuid.UUID, str, uuid.UUID, date], _Slot] = {}
        self.lanes: dict[tuple[uuid.UUID, uuid.UUID, int], _Lane] = {}
        self.heap: list[_Entry] = []
        self.seq = count()
        self.rng = _Earliest()
        self.reopens: dict[tuple[int, str, datetime], datetime] = {}
        self.now = start
        self.stamp = 0
        self.decisions: dict[tuple[object, ...], Decision] = {}  # this round's, by facts
        self.day_index = 0
        self.conditional = {
            t
            for t, steps in world.steps.items()
            if any(s.type == StepType.CONDITION for s in steps)
        }

    def _days(self) -> list[DayTally]:
        return [DayTally(self.first_day + timedelta(days=i)) for i in range(self.days)]

    def run(self, plans: Iterable[Plan]) -> Forecast:
        due_runs: list[_Run] = []
        for plan in plans:
            scopes = (self.org, self._template(plan.template_id))
            run = _Run(plan, self.world.steps[plan.template_id], scopes)
            for scope in scopes:
                scope.enrollments += 1
                scope.awaiting_first += run.first
            due = plan.position.next_run_at
            if due is not None:
                run.order = _order(due, plan.id.int)
                due_runs.append(run)
        self._queue(due_runs)
        while self.heap and self.heap[0][0] < self.end:
            self._round(self._pop_due())
        for entry in self.heap:
            for run in entry[3]:
                for scope in run.scopes:
                    scope.pending_at_end += 1
        return self._result()

    def _queue(self, runs: list[_Run]) -> None:
        """The enrollments to start with, one heap entry per instant they are claimed at
        (everything already due is claimed at the start, in its claim order)."""
        runs.sort(key=attrgetter("order"))
        by_instant: dict[datetime, list[_Run]] = {}
        for run in runs:
            due = run.position.next_run_at
            assert due is not None
            by_instant.setdefault(max(due, self.start), []).append(run)
        self.heap = [(at, group[0].order, next(self.seq), group, None)
                     for at, group in by_instant.items()]  # fmt: skip
        heapq.heapify(self.heap)

    def _result(self) -> Forecast:
        limits = {slot.ref: slot.limit for slot in self.slots.values()}  # the latest day's
        counters = {pk: (slot.used, slot.limit) for pk, slot in self.slots.items()}
        return Forecast(self.start, self.end, self.zone, self.org, self.templates, limits, counters)

    def _template(self, template_id: uuid.UUID) -> ScopeForecast:
        found = self.templates.get(template_id)
        if found is None:
            found = self.templates[template_id] = ScopeForecast(template_id, self._days())
        return found

    def _pop_due(self) -> list[_Run]:
        """Every run a dispatcher claims at the next due instant, in its claim order. A group
        a limit held back whose lane's first limit is still spent is held back again as a
        whole: every one of its emails meets that limit first, in any order."""
        at = self.heap[0][0]
        self.now = at
        self.day_index = (at.astimezone(ZoneInfo(self.zone)).date() - self.first_day).days
        self.stamp += 1
        self.decisions.clear()
        groups: list[list[_Run]] = []
        while self.heap and self.heap[0][0] == at:
            _, _, _, runs, lane = heapq.heappop(self.heap)
            if lane is not None:
                first = self._lane_slots(lane)[0]
                if first.used >= first.limit:
                    self._hold(lane, first, runs)
                    continue
            groups.append(runs)
        if len(groups) == 1:
            return groups[0]
        merged = [run for runs in groups for run in runs]
        merged.sort(key=attrgetter("order"))
        return merged

    def _round(self, runs: list[_Run]) -> None:
        """Decide each run as the dispatcher does, then grant the limits in claim order."""
        candidates: list[_Run] = []
        later: list[_Run] = []
        for run in runs:
            if run.ready is None:
                self._decide(run)
            (candidates if run.ready is not None else later).append(run)
        held: dict[tuple[_Lane, _Slot], list[_Run]] = {}
        for run in candidates:
            spent = self._allocate(run)
            if spent is None:
                later.append(run)
            else:
                held.setdefault(spent, []).append(run)
        for run in later:
            self._schedule(run)
        for (lane, slot), group in held.items():
            self._hold(lane, slot, group)

    def _decide(self, run: _Run) -> None:
        facts = run.facts
        key = None
        if not (facts.tasks or facts.lead_values or facts.engagement.sent):
            # Everything else the rules read is shared, or the same for a whole lane: runs
            # that agree on these (leads enrolled together) get the same decision.
            key = (run.position, id(run.steps), id(facts.rules), facts.enrollment_mailbox,
                   facts.lead_status, facts.suppressed, facts.latest, facts.template_deleted,
                   facts.org_paused)  # fmt: skip
            found = self.decisions.get(key)
            if found is not None:
                self._apply(run, found)
                return
        decision = decide(run.position, run.steps, facts, self.now, self.rng)
        if key is not None:
            self.decisions[key] = decision
        self._apply(run, decision)

    def _apply(self, run: _Run, decision: Decision) -> None:
        run.position = decision.position
        for action in decision.actions:
            if isinstance(action, CreateTask):
                self._task(run, action)
            elif isinstance(action, CallWebhook):
                self._webhook(run, action)
            elif isinstance(action, SendEmail):
                run.ready = action
                run.lane = self._lane(run, action.mailbox_id)

    def _lane(self, run: _Run, mailbox_id: uuid.UUID) -> _Lane:
        template_id = run.scopes[1].template_id
        assert template_id is not None
        key = (mailbox_id, template_id, id(run.facts.rules))
        found = self.lanes.get(key)
        if found is None:
            found = self.lanes[key] = _Lane(mailbox_id, template_id, run.facts.rules, run.scopes)
        return found

    def _task(self, run: _Run, action: CreateTask) -> None:
        for scope in run.scopes:
            scope.days[self.day_index].tasks += 1
        tasks = {**run.facts.tasks, action.step.id: HeldTask(TaskStatus.OPEN.value, self.now, None)}
        run.facts = replace(run.facts, tasks=tasks)

    def _webhook(self, run: _Run, action: CallWebhook) -> None:
        """A call answered at once: the enrollment moves on as after an email."""
        for scope in run.scopes:
            scope.days[self.day_index].webhooks += 1
        self._went(run, action.step, action.attempt, ExecutionStatus.COMPLETED)

    def _went(self, run: _Run, step: Step, attempt: int, status: ExecutionStatus) -> None:
        latest = LastAttempt(
            step.id, run.position.current_step, attempt, status.value, self.now, None
        )
        run.facts = replace(run.facts, latest=latest)
        run.position = after_send(run.position, run.steps, run.facts.rules, self.now)

    def _allocate(self, run: _Run) -> tuple[_Lane, _Slot] | None:
        """The dispatcher's `allocate` for one email: it goes if every limit it draws on has
        room; else the first spent limit (in `counter_keys` order) holds it back."""
        email, lane = run.ready, run.lane
        assert email is not None and lane is not None
        for slot in self._lane_slots(lane):
            if slot.used >= slot.limit:
                return lane, slot
        for slot in lane.slots:
            slot.used += 1
        for scope in run.scopes:
            tally = scope.days[self.day_index]
            tally.sent += 1
            tally.by_mailbox[email.mailbox_id] += 1
            if run.first:
                tally.first_emails += 1
                scope.first_sent += 1
                scope.last_first_day = tally.day
        run.first, run.ready = False, None
        self._went(run, email.step, email.attempt, ExecutionStatus.SENT)
        if lane.template_id in self.conditional:  # its conditions read what was sent
            sent = (*run.facts.engagement.sent, Sent(email.step.id, self.now))
            run.facts = replace(run.facts, engagement=replace(run.facts.engagement, sent=sent))
        return None

    def _lane_slots(self, lane: _Lane) -> tuple[_Slot, ...]:
        if lane.stamp != self.stamp:
            lane.slots, lane.stamp = self._slots(lane), self.stamp
        return lane.slots

    def _slots(self, lane: _Lane) -> tuple[_Slot, ...]:
        """The counters an email of this lane draws on now (`counter_keys`)."""
        mailbox = self.world.mailboxes[lane.mailbox_id]
        settings = self.world.settings[lane.template_id]
        keys = counter_keys(self.world.org, mailbox, lane.template_id, settings, self.now)
        found = []
        for key in keys:
            slot = self.slots.get(key.pk)
            if slot is None:
                slot = self.slots[key.pk] = _Slot(key, self.world.used.get(key.pk, 0))
            found.append(slot)
        return tuple(found)

    def _hold(self, lane: _Lane, slot: _Slot, group: list[_Run]) -> None:
        """Emails a spent limit held back: counted, and due again at its refill's first
        opening for their leads (as `allocate` sets them), in claim order by id."""
        for scope in lane.scopes:
            scope.days[self.day_index].deferred[slot.ref] += len(group)
            scope.deferred[slot.ref] += len(group)
        refill = next_day_start(self.now, slot.zone)
        cache_key = (id(lane.rules), slot.zone, refill)
        due = self.reopens.get(cache_key)
        if due is None:
            due = self.reopens[cache_key] = next_allowed_instant(refill, lane.rules)
        base = _order(due, 0)
        for run in group:
            run.order = base | run.id.int
        group.sort(key=attrgetter("order"))
        heapq.heappush(self.heap, (due, group[0].order, next(self.seq), group, lane))

    def _schedule(self, run: _Run) -> None:
        p = run.position
        if p.status != EnrollmentStatus.ACTIVE or p.next_run_at is None:
            return
        due = p.next_run_at
        run.order = _order(due, run.id.int)
        heapq.heappush(self.heap, (max(due, self.now), run.order, next(self.seq), [run], None))
