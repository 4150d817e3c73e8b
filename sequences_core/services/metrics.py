"""Sequence metrics, per template and for the whole organization, from events and enrollments.

Machine opens and clicks (`bot`) are stored but counted nowhere; a human click implies an
open, so unique opens count every email with a human open *or* click. Rates are over
emails sent in the same period.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sequences_core.db import metrics_sql as sql
from sequences_core.db.models import SequenceTemplate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput

_EVENT_FIELDS = (
    "sent",
    "delivered",
    "opens",
    "unique_opens",
    "clicks",
    "unique_clicks",
    "replies",
    "bounces",
    "complaints",
    "meetings",
    "machine_events",
)
_ENROLLMENT_FIELDS = ("enrolled", "active", "paused", "completed", "unsubscribes")


def fraction(part: int, whole: int) -> float:
    """`part / whole` to four places; 0 when there is no whole."""
    return round(part / whole, 4) if whole else 0.0


@dataclass
class Rates:
    open_rate: float = 0.0
    click_rate: float = 0.0
    reply_rate: float = 0.0
    bounce_rate: float = 0.0
    unsubscribe_rate: float = 0.0
    complaint_rate: float = 0.0
    completion_rate: float = 0.0  # completed / enrolled: the one rate not over emails sent


@dataclass
class Metrics:
    enrolled: int = 0
    active: int = 0
    paused: int = 0
    completed: int = 0
    sent: int = 0
    delivered: int = 0
    opens: int = 0
    unique_opens: int = 0
    clicks: int = 0
    unique_clicks: int = 0
    replies: int = 0
    bounces: int = 0
    complaints: int = 0
    unsubscribes: int = 0
    meetings: int = 0
    machine_events: int = 0  # flagged opens and clicks: kept, counted in no rate
    rates: Rates = field(default_factory=Rates)

    def finish(self) -> Metrics:
        def ratio(n: int) -> float:
            return fraction(n, self.sent)

        self.rates = Rates(
            open_rate=ratio(self.unique_opens),
            click_rate=ratio(self.unique_clicks),
            reply_rate=ratio(self.replies),
            bounce_rate=ratio(self.bounces),
            unsubscribe_rate=ratio(self.unsubscribes),
            complaint_rate=ratio(self.complaints),
            completion_rate=fraction(self.completed, self.enrolled),
        )
        return self

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    overall: Metrics
    templates: dict[uuid.UUID, Metrics]


def metrics(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    template_ids: Sequence[uuid.UUID] | None = None,
) -> Report:
    """Metrics per template (only templates with activity appear) and overall."""
    if since and until and until <= since:
        raise InvalidInput("Bad period", {"to": "must be after from"})
    params = {
        "org": org_id,
        "since": since,
        "until": until,
        "templates": list(template_ids) if template_ids is not None else None,
    }
    overall = Metrics()
    per: dict[uuid.UUID, Metrics] = {}
    for statement, names in ((sql.EVENTS, _EVENT_FIELDS), (sql.ENROLLMENTS, _ENROLLMENT_FIELDS)):
        for is_total, template_id, *counts in uow.session.execute(statement, params):
            target = overall if is_total else per.setdefault(template_id, Metrics())
            for name, value in zip(names, counts, strict=True):
                setattr(target, name, int(value))
    for item in per.values():
        item.finish()
    return Report(overall=overall.finish(), templates=per)


@dataclass
class FunnelRates:
    """Each stage as a fraction of the step's emails sent."""

    delivered_rate: float = 0.0
    open_rate: float = 0.0
    click_rate: float = 0.0
    reply_rate: float = 0.0
    bounce_rate: float = 0.0
    complaint_rate: float = 0.0
    unsubscribe_rate: float = 0.0


@dataclass
class StepMetrics:
    """One step of a template: its email funnel (email steps), which branch its decisions took
    (condition steps), and how many of its executions ran or failed (every step)."""

    step_id: uuid.UUID | None  # None: steps since deleted, together
    position: int | None
    type: str
    label: str
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    machine_opens: int = 0
    machine_clicks: int = 0
    open_events: int = 0
    click_events: int = 0
    executed: int = 0
    failed: int = 0
    if_true: int = 0
    if_false: int = 0
    rates: FunnelRates = field(default_factory=FunnelRates)

    def finish(self) -> StepMetrics:
        stages = (self.delivered, self.opened, self.clicked, self.replied, self.bounced,
                  self.complained, self.unsubscribed)  # fmt: skip
        self.rates = FunnelRates(*(fraction(n, self.sent) for n in stages))
        return self


@dataclass(frozen=True)
class TemplateMetrics:
    template_id: uuid.UUID
    name: str
    metrics: Metrics  # the template's totals, all time
    steps: list[StepMetrics]


_FUNNEL_FIELDS = (
    "sent", "delivered", "opened", "clicked", "replied", "bounced", "complained",
    "unsubscribed", "machine_opens", "machine_clicks", "open_events", "click_events",
)  # fmt: skip
_EXECUTION_FIELDS = ("executed", "failed", "if_true", "if_false")


def _label(position: int | None, step_type: str, subject: str | None) -> str:
    if position is None:
        return "Deleted steps"
    name = f"Step {position + 1} · {step_type}"
    return f"{name}: {subject}" if subject else name


def step_metrics(uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID) -> list[StepMetrics]:
    """Every current step in order (zeros where nothing ran yet), then deleted steps together."""
    params = {"org": org_id, "template": template_id}
    steps: dict[uuid.UUID | None, StepMetrics] = {
        sid: StepMetrics(sid, position, kind, _label(position, kind, subject))
        for sid, position, kind, subject in uow.session.execute(sql.TEMPLATE_STEPS, params)
    }

    def target(step_id: uuid.UUID | None, kind: str) -> StepMetrics:
        if step_id not in steps:
            step_id = None
            steps.setdefault(None, StepMetrics(None, None, kind, _label(None, kind, None)))
        return steps[step_id]

    for step_id, _position, *counts in uow.session.execute(sql.STEP_FUNNEL, params):
        _add(target(step_id, "email"), _FUNNEL_FIELDS, counts)
    for step_id, _position, kind, *counts in uow.session.execute(sql.STEP_EXECUTIONS, params):
        _add(target(step_id, kind), _EXECUTION_FIELDS, counts)
    return [s.finish() for s in steps.values()]


def _add(target: object, names: Sequence[str], counts: Sequence[Any]) -> None:
    """Counts from a statement's row onto `target`'s fields: a count is a bigint, a sum a
    numeric (Decimal), an empty sum NULL."""
    for name, value in zip(names, counts, strict=True):
        setattr(target, name, getattr(target, name) + int(value or 0))


def _totals(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID, steps: list[StepMetrics]
) -> Metrics:
    """The template's Metrics from its steps' emails (one pass over its events, where the
    organization-wide statement would join every event), its enrollments and its meetings."""
    params = {"org": org_id, "template": template_id, "since": None, "until": None,
              "templates": [template_id]}  # fmt: skip
    total = Metrics()
    for is_total, _template, *counts in uow.session.execute(sql.ENROLLMENTS, params):
        if not is_total:
            _add(total, _ENROLLMENT_FIELDS, counts)
    pairs = (("sent", "sent"), ("delivered", "delivered"), ("opens", "open_events"),
             ("unique_opens", "opened"), ("clicks", "click_events"),
             ("unique_clicks", "clicked"), ("replies", "replied"), ("bounces", "bounced"),
             ("complaints", "complained"))  # fmt: skip
    for name, source in pairs:
        setattr(total, name, sum(getattr(s, source) for s in steps))
    total.machine_events = sum(s.machine_opens + s.machine_clicks for s in steps)
    total.meetings = int(uow.session.scalar(sql.TEMPLATE_MEETINGS, params) or 0)
    return total.finish()


def template_metrics(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str
) -> TemplateMetrics:
    """A template's totals, and per step its funnel and branches; another org's id: NotFound.

    Email counts here are emails (a bounce counted once per email), where `metrics` counts
    events; they agree when each email has at most one bounce, complaint and reply."""
    template = get_owned(uow.session, SequenceTemplate, org_id, template_id, what="template")
    steps = step_metrics(uow, org_id, template.id)
    totals = _totals(uow, org_id, template.id, steps)
    return TemplateMetrics(template.id, template.name, totals, steps)
