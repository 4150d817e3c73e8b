"""The send forecast of an organization or one of its templates: the next days, per day.

The organization's active enrollments are loaded with the dispatcher's own batch loader
(`load_batch`, in chunks, so the facts are the ones the dispatcher will read) and its own
`facts_for`, then simulated by `rules.forecast`. A template's forecast is its share of the
organization's: its emails compete for the same mailboxes and organization limit as every
other template's, so it cannot be simulated alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text

from sequences_core.db.models import Mailbox, Organization, SequenceStep, SequenceTemplate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import CounterScope, MailboxStatus
from sequences_core.errors import NotFound
from sequences_core.rules.decide import MailboxView, Step
from sequences_core.rules.forecast import (
    DEFAULT_DAYS,
    MAX_DAYS,
    Forecast,
    LimitRef,
    Plan,
    ScopeForecast,
    World,
    forecast,
)
from sequences_core.rules.schedule import SendRules
from sequences_core.rules.sending import send_rules
from sequences_core.schemas import TemplateSettings
from sequences_core.services.dispatch.batch import Batch, load_batch
from sequences_core.services.dispatch.decider import facts_for, position_of

CHUNK = 5000
ASSUMPTIONS = (
    "No new events: no replies, opens, clicks, bounces or unsubscribes arrive, and nobody"
    " pauses or resumes an enrollment.",
    "A condition step takes the branch today's facts give once its window closes (with no"
    " new engagement, the 'not engaged' branch).",
    "Webhook calls are answered at once and counted apart; they are not emails. Tasks are"
    " counted apart too, and no person completes one that holds its enrollment.",
    "Times are the earliest of each send's jitter range, with the dispatcher running continuously.",
)

_ACTIVE_IDS = text("""
SELECT id FROM sequence_enrollments
WHERE organization_id = :org AND status = 'active' AND next_run_at IS NOT NULL
ORDER BY next_run_at, id
""")
_PAUSED = text("""
SELECT template_id, count(*) FROM sequence_enrollments
WHERE organization_id = :org AND status = 'paused' GROUP BY template_id
""")
_COUNTERS = text("""
SELECT organization_id, scope, scope_id, day, sent FROM send_counters
WHERE organization_id = :org AND day >= :since
""")


@dataclass(frozen=True)
class LimitOut:
    scope: str
    scope_id: uuid.UUID
    label: str  # "mailbox x@y", "template Outreach", "the organization"
    per_day: int  # as last met (a warm-up ramp raises it day by day)


@dataclass(frozen=True)
class DeferredOut:
    limit: LimitOut
    count: int


@dataclass(frozen=True)
class MailboxSends:
    mailbox_id: uuid.UUID
    from_email: str
    sent: int


@dataclass(frozen=True)
class DayOut:
    day: date  # in the organization's zone
    weekday: str
    sent: int
    first_emails: int
    deferred: int
    deferred_by: list[DeferredOut]
    by_mailbox: list[MailboxSends]
    webhooks: int
    tasks: int


@dataclass(frozen=True)
class ForecastView:
    """One scope's forecast as pages and the API show it."""

    template_id: uuid.UUID | None
    template_name: str | None
    zone: str
    start: datetime
    end: datetime
    days: list[DayOut]
    sent: int
    deferred: int
    enrollments: int
    paused: int  # paused enrollments: not forecast until resumed
    awaiting_first: int
    first_sent: int
    last_first_day: date | None
    days_to_last_first: int | None
    pending_at_end: int
    bottleneck: LimitOut | None
    summary: str
    assumptions: list[str] = field(default_factory=lambda: list(ASSUMPTIONS))


def org_forecast(
    uow: UnitOfWork, org_id: uuid.UUID, now: datetime, days: int = DEFAULT_DAYS
) -> ForecastView:
    """The organization's next `days` days: every template's emails together."""
    return _view(_Loader(uow, org_id).run(now, days), None)


def template_forecast(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    now: datetime,
    days: int = DEFAULT_DAYS,
) -> ForecastView:
    """One template's share of the organization's forecast (another org's id: not found)."""
    template = get_owned(uow.session, SequenceTemplate, org_id, template_id, what="template")
    return _view(_Loader(uow, org_id).run(now, days), template.id)


def forecast_templates(uow: UnitOfWork, org_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The organization's templates (not deleted) by name: the forecast's other scopes."""
    t = SequenceTemplate
    rows = uow.session.execute(
        select(t.id, t.name)
        .where(t.organization_id == org_id, t.deleted_at.is_(None))
        .order_by(t.name, t.id)
    )
    return [(row.id, row.name) for row in rows]


def simulate(
    uow: UnitOfWork, org_id: uuid.UUID, now: datetime, days: int = DEFAULT_DAYS
) -> Forecast:
    """The raw simulation (for tests and benchmarks that compare it with the dispatcher)."""
    return _Loader(uow, org_id).run(now, days).result


@dataclass
class _Loaded:
    result: Forecast
    org: Organization
    mailboxes: dict[uuid.UUID, Mailbox]
    names: dict[uuid.UUID, str]
    paused: dict[uuid.UUID, int]


class _Loader:
    """Loads the organization's world and streams its active enrollments as plans."""

    def __init__(self, uow: UnitOfWork, org_id: uuid.UUID) -> None:
        self.uow, self.org_id = uow, org_id
        self.session = uow.session
        self.rules: dict[tuple[uuid.UUID, str | None, str | None], SendRules] = {}
        self.settings: dict[uuid.UUID, TemplateSettings] = {}
        self.steps: dict[uuid.UUID, list[Step]] = {}

    def run(self, now: datetime, days: int) -> _Loaded:
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}")
        org = self.session.get(Organization, self.org_id)
        if org is None:
            raise NotFound("organization not found")
        mailboxes = {
            m.id: m
            for m in self.session.scalars(
                select(Mailbox).where(Mailbox.organization_id == self.org_id)
            )
        }
        self.views = {
            m.id: MailboxView(m.id, m.status == MailboxStatus.ACTIVE) for m in mailboxes.values()
        }
        templates = self.session.execute(
            select(SequenceTemplate.id, SequenceTemplate.name, SequenceTemplate.settings).where(
                SequenceTemplate.organization_id == self.org_id
            )
        ).all()
        names = {t.id: t.name for t in templates}
        self.settings = {t.id: TemplateSettings.model_validate(t.settings) for t in templates}
        self.steps = {t.id: [] for t in templates}
        for step in self.session.scalars(
            select(SequenceStep)
            .where(SequenceStep.template_id.in_(list(names)))
            .order_by(SequenceStep.template_id, SequenceStep.position)
        ):
            self.steps[step.template_id].append(Step(step.id, step.type, step.config))
        used = self._used(now, org)
        plans = self._plans(org)
        world = World(org, mailboxes, self.settings, self.steps, used)
        paused = {
            row[0]: int(row[1]) for row in self.session.execute(_PAUSED, {"org": self.org_id})
        }
        return _Loaded(forecast(plans, world, now, days), org, mailboxes, names, paused)

    def _used(self, now: datetime, org: Organization) -> dict[tuple[Any, ...], int]:
        """What today's counters already hold (a day starts earlier in some zones)."""
        since = now.date().toordinal() - 1
        rows = self.session.execute(_COUNTERS, {"org": org.id, "since": date.fromordinal(since)})
        return {(o, scope, sid, day): int(sent) for o, scope, sid, day, sent in rows}

    def _ids(self) -> Iterator[list[uuid.UUID]]:
        """The active enrollments' ids in claim order, in chunks for the batch loader."""
        ids = list(self.session.scalars(_ACTIVE_IDS, {"org": self.org_id}).all())
        for i in range(0, len(ids), CHUNK):
            yield ids[i : i + CHUNK]

    def _plans(self, org: Organization) -> Iterator[Plan]:
        for ids in self._ids():
            batch = load_batch(self.uow, ids)
            default = batch.default_mailbox.get(org.id)
            default_view = self.views[default.id] if default is not None else None
            for e in batch.enrollments:
                rules = self._rules_of(batch, e.template_id, e.lead_id, org)
                facts = facts_for(batch, e, rules, self.views, default_view)
                yield Plan(e.id, e.template_id, position_of(e), facts)

    def _rules_of(
        self, batch: Batch, template_id: uuid.UUID, lead_id: uuid.UUID, org: Organization
    ) -> SendRules:
        """One rules object per template and place (the simulation caches by it)."""
        lead = batch.leads[lead_id]
        key = (template_id, lead.timezone, lead.country)
        found = self.rules.get(key)
        if found is None:
            found = self.rules[key] = send_rules(batch.settings[template_id], lead, org)
        return found


_SCOPE_LABELS = {
    CounterScope.MAILBOX: "mailbox {}",
    CounterScope.TEMPLATE: "template {}",
    CounterScope.ORGANIZATION: "the organization",
}


def _view(loaded: _Loaded, template_id: uuid.UUID | None) -> ForecastView:
    result = loaded.result
    scope = result.scope(template_id)

    def limit(ref: LimitRef) -> LimitOut:
        return LimitOut(ref.scope.value, ref.scope_id, _label(loaded, ref), result.limits[ref])

    days = [
        DayOut(
            day=d.day,
            weekday=f"{d.day:%A}",
            sent=d.sent,
            first_emails=d.first_emails,
            deferred=d.deferred_total,
            deferred_by=[DeferredOut(limit(ref), n) for ref, n in d.deferred.most_common()],
            by_mailbox=[
                MailboxSends(m, loaded.mailboxes[m].from_email, n)
                for m, n in d.by_mailbox.most_common()
            ],
            webhooks=d.webhooks,
            tasks=d.tasks,
        )
        for d in scope.days
    ]
    bottleneck = limit(scope.bottleneck) if scope.bottleneck is not None else None
    first_day = days[0].day
    span = (scope.last_first_day - first_day).days + 1 if scope.last_first_day else None
    paused = (
        sum(loaded.paused.values()) if template_id is None else loaded.paused.get(template_id, 0)
    )
    return ForecastView(
        template_id=template_id,
        template_name=loaded.names.get(template_id) if template_id else None,
        zone=result.zone,
        start=result.start,
        end=result.end,
        days=days,
        sent=scope.sent,
        deferred=sum(scope.deferred.values()),
        enrollments=scope.enrollments,
        paused=paused,
        awaiting_first=scope.awaiting_first,
        first_sent=scope.first_sent,
        last_first_day=scope.last_first_day,
        days_to_last_first=span,
        pending_at_end=scope.pending_at_end,
        bottleneck=bottleneck,
        summary=summary(scope, len(days), bottleneck, result.end),
    )


def _label(loaded: _Loaded, ref: LimitRef) -> str:
    if ref.scope == CounterScope.MAILBOX:
        who = loaded.mailboxes[ref.scope_id].from_email
    elif ref.scope == CounterScope.TEMPLATE:
        who = loaded.names.get(ref.scope_id, str(ref.scope_id))
    else:
        who = ""
    return _SCOPE_LABELS[ref.scope].format(who)


def summary(scope: ScopeForecast, days: int, bottleneck: LimitOut | None, end: datetime) -> str:
    """The sentence an operator reads first: how long the waiting first emails take."""
    at_limit = f" at {bottleneck.label}'s limit of {bottleneck.per_day:,}/day" if bottleneck else ""
    waiting = scope.awaiting_first
    if waiting == 0:
        return f"No enrollment waits for its first email; {scope.sent:,} emails go in {days} days."
    leads = f"{waiting:,} lead{'s' if waiting != 1 else ''} waiting for a first email"
    if scope.first_sent == waiting and scope.last_first_day is not None:
        span = (scope.last_first_day - scope.days[0].day).days + 1
        day = f"{scope.last_first_day:%a %Y-%m-%d}"
        plural = "s" if span != 1 else ""
        return f"{leads}: the last first email goes on {day} ({span} day{plural}){at_limit}."
    rest = waiting - scope.first_sent
    return (
        f"{leads}: {scope.first_sent:,} get it within {days} days, {rest:,} only after"
        f" {scope.days[-1].day:%a %Y-%m-%d}{at_limit}."
    )
