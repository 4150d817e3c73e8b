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


class _Run:
    """One enrollment moving through the simulation."""

    __slots__ = ("facts", "first", "id", "order", "position", "ready", "steps", "template_id")

    def __init__(self, plan: Plan, steps: Sequence[Step]) -> None:
        self.id, self.template_id, self.steps = plan.id, plan.template_id, steps
        self.position, self.facts = plan.position, plan.facts
        self.first = plan.facts.latest is None  # nothing sent or called yet
        self.ready: SendEmail | None = None  # an email held back by a limit: due again as is
        self.order: tuple[datetime, int] = (plan.position.next_run_at or _FAR, plan.id.int)


_FAR = datetime.max.replace(tzinfo=UTC)
_Entry = tuple[datetime, datetime, int, int, list[_Run]]  # (claimed at, due, id, seq, runs)


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
        self.used: dict[tuple[uuid.UUID, str, uuid.UUID, date], int] = dict(world.used)
        self.limit_of: dict[tuple[uuid.UUID, str, uuid.UUID, date], int] = {}
        self.limits: dict[LimitRef, int] = {}
        self.heap: list[_Entry] = []
        self.seq = count()
        self.rng = _Earliest()
        self.reopens: dict[tuple[int, str, datetime], datetime] = {}
        self.keys: dict[tuple[uuid.UUID, uuid.UUID], tuple[CounterKey, ...]] = {}
        self.now = start
        self.day_index = 0
        self.conditional = {
            t
            for t, steps in world.steps.items()
            if any(s.type == StepType.CONDITION for s in steps)
        }

    def _days(self) -> list[DayTally]:
        return [DayTally(self.first_day + timedelta(days=i)) for i in range(self.days)]

    def run(self, plans: Iterable[Plan]) -> Forecast:
        entries: list[_Entry] = []
        for plan in plans:
            run = _Run(plan, self.world.steps[plan.template_id])
            for scope in self._scopes(run):
                scope.enrollments += 1
                scope.awaiting_first += run.first
            if plan.position.next_run_at is not None:
                due = plan.position.next_run_at
                entries.append((max(due, self.start), due, plan.id.int, next(self.seq), [run]))
        heapq.heapify(entries)
        self.heap = entries
        while self.heap and self.heap[0][0] < self.end:
            self._round(self._pop_due())
        for entry in self.heap:
            for run in entry[4]:
                for scope in self._scopes(run):
                    scope.pending_at_end += 1
        counters = {
            pk: (sent, self.limit_of[pk]) for pk, sent in self.used.items() if pk in self.limit_of
        }
        return Forecast(
            self.start, self.end, self.zone, self.org, self.templates, self.limits, counters
        )

    def _scopes(self, run: _Run) -> tuple[ScopeForecast, ScopeForecast]:
        found = self.templates.get(run.template_id)
        if found is None:
            found = self.templates[run.template_id] = ScopeForecast(run.template_id, self._days())
        return self.org, found

    def _pop_due(self) -> list[_Run]:
        """Every run a dispatcher claims at the next due instant, in its claim order."""
        first = heapq.heappop(self.heap)
        self.now = first[0]
        self.day_index = (self.now.astimezone(ZoneInfo(self.zone)).date() - self.first_day).days
        self.keys.clear()
        runs = first[4]
        merged = False
        while self.heap and self.heap[0][0] == self.now:
            runs = runs + heapq.heappop(self.heap)[4]
            merged = True
        if merged:
            runs.sort(key=attrgetter("order"))
        return runs

    def _round(self, runs: list[_Run]) -> None:
        """Decide each run as the dispatcher does, then grant the limits in claim order."""
        candidates: list[_Run] = []
        later: list[_Run] = []
        for run in runs:
            if run.ready is None:
                self._decide(run)
            (candidates if run.ready is not None else later).append(run)
        held: dict[datetime, list[_Run]] = {}
        for run in candidates:
            self._allocate(run, held, later)
        for run in later:
            self._schedule(run)
        for due, group in held.items():
            group.sort(key=attrgetter("order"))
            heapq.heappush(self.heap, (due, due, group[0].id.int, next(self.seq), group))

    def _decide(self, run: _Run) -> None:
        decision = decide(run.position, run.steps, run.facts, self.now, self.rng)
        run.position = decision.position
        for action in decision.actions:
            if isinstance(action, CreateTask):
                self._task(run, action)
            elif isinstance(action, CallWebhook):
                self._webhook(run, action)
            elif isinstance(action, SendEmail):
                run.ready = action

    def _task(self, run: _Run, action: CreateTask) -> None:
        for scope in self._scopes(run):
            scope.days[self.day_index].tasks += 1
        tasks = {**run.facts.tasks, action.step.id: HeldTask(TaskStatus.OPEN.value, self.now, None)}
        run.facts = replace(run.facts, tasks=tasks)

    def _webhook(self, run: _Run, action: CallWebhook) -> None:
        """A call answered at once: the enrollment moves on as after an email."""
        for scope in self._scopes(run):
            scope.days[self.day_index].webhooks += 1
        self._went(run, action.step, action.attempt, ExecutionStatus.COMPLETED)

    def _went(self, run: _Run, step: Step, attempt: int, status: ExecutionStatus) -> None:
        latest = LastAttempt(
            step.id, run.position.current_step, attempt, status.value, self.now, None
        )
        run.facts = replace(run.facts, latest=latest)
        run.position = after_send(run.position, run.steps, run.facts.rules, self.now)

    def _allocate(self, run: _Run, held: dict[datetime, list[_Run]], later: list[_Run]) -> None:
        """The dispatcher's `allocate` for one email: it goes if every limit it draws on has
        room, else it waits for the first spent one's refill and the lead's next opening."""
        email = run.ready
        assert email is not None
        keys = self._keys(email.mailbox_id, run.template_id)
        spent = next((k for k in keys if self.used.get(k.pk, 0) >= k.limit), None)
        scopes = self._scopes(run)
        if spent is not None:
            ref = LimitRef(spent.scope, spent.scope_id)
            for scope in scopes:
                scope.days[self.day_index].deferred[ref] += 1
                scope.deferred[ref] += 1
            due = self._reopen(run.facts.rules, spent)
            run.order = (due, run.id.int)
            held.setdefault(due, []).append(run)
            return
        for key in keys:
            self.used[key.pk] = self.used.get(key.pk, 0) + 1
        for scope in scopes:
            tally = scope.days[self.day_index]
            tally.sent += 1
            tally.by_mailbox[email.mailbox_id] += 1
            if run.first:
                tally.first_emails += 1
                scope.first_sent += 1
                scope.last_first_day = tally.day
        run.first, run.ready = False, None
        self._went(run, email.step, email.attempt, ExecutionStatus.SENT)
        if run.template_id in self.conditional:  # its conditions read what was sent
            sent = (*run.facts.engagement.sent, Sent(email.step.id, self.now))
            run.facts = replace(run.facts, engagement=replace(run.facts.engagement, sent=sent))
        later.append(run)

    def _keys(self, mailbox_id: uuid.UUID, template_id: uuid.UUID) -> tuple[CounterKey, ...]:
        """`counter_keys` at this instant, once per mailbox and template."""
        found = self.keys.get((mailbox_id, template_id))
        if found is None:
            mailbox = self.world.mailboxes[mailbox_id]
            settings = self.world.settings[template_id]
            found = counter_keys(self.world.org, mailbox, template_id, settings, self.now)
            self.keys[mailbox_id, template_id] = found
            for key in found:
                self.limit_of[key.pk] = key.limit
                self.limits[LimitRef(key.scope, key.scope_id)] = key.limit
        return found

    def _reopen(self, rules: SendRules, spent: CounterKey) -> datetime:
        """The spent limit's refill, then the lead's next allowed instant (as `allocate`)."""
        refill = next_day_start(self.now, spent.zone)
        cache_key = (id(rules), spent.zone, refill)
        found = self.reopens.get(cache_key)
        if found is None:
            found = self.reopens[cache_key] = next_allowed_instant(refill, rules)
        return found

    def _schedule(self, run: _Run) -> None:
        p = run.position
        if p.status != EnrollmentStatus.ACTIVE or p.next_run_at is None:
            return
        due = p.next_run_at
        run.order = (due, run.id.int)
        heapq.heappush(self.heap, (max(due, self.now), due, run.id.int, next(self.seq), [run]))
