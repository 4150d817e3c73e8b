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

from sqlalchemy import text

from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput

_EVENTS = text("""
SELECT e.template_id,
    count(*) FILTER (WHERE v.type = 'sent'),
    count(*) FILTER (WHERE v.type = 'delivered'),
    count(*) FILTER (WHERE v.type = 'open' AND NOT v.bot),
    count(DISTINCT v.execution_id) FILTER (WHERE v.type IN ('open', 'click') AND NOT v.bot),
    count(*) FILTER (WHERE v.type = 'click' AND NOT v.bot),
    count(DISTINCT v.execution_id) FILTER (WHERE v.type = 'click' AND NOT v.bot),
    count(*) FILTER (WHERE v.type = 'reply'),
    count(*) FILTER (WHERE v.type = 'bounce'),
    count(*) FILTER (WHERE v.type = 'complaint'),
    count(*) FILTER (WHERE v.type = 'meeting_booked'),
    count(*) FILTER (WHERE v.type IN ('open', 'click') AND v.bot)
FROM sequence_email_events v
JOIN sequence_enrollments e ON e.id = v.enrollment_id AND e.organization_id = :org
WHERE v.organization_id = :org
  AND (CAST(:since AS timestamptz) IS NULL OR v.occurred_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR v.occurred_at < :until)
  AND (CAST(:templates AS uuid[]) IS NULL OR e.template_id = ANY(CAST(:templates AS uuid[])))
GROUP BY e.template_id
""")
_ENROLLMENTS = text("""
SELECT template_id, count(*),
    count(*) FILTER (WHERE status = 'active'),
    count(*) FILTER (WHERE status = 'paused'),
    count(*) FILTER (WHERE status = 'completed'),
    count(*) FILTER (WHERE status = 'unsubscribed')
FROM sequence_enrollments
WHERE organization_id = :org
  AND (CAST(:since AS timestamptz) IS NULL OR enrolled_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR enrolled_at < :until)
  AND (CAST(:templates AS uuid[]) IS NULL OR template_id = ANY(CAST(:templates AS uuid[])))
GROUP BY template_id
""")

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


@dataclass
class Rates:
    open_rate: float = 0.0
    click_rate: float = 0.0
    reply_rate: float = 0.0
    bounce_rate: float = 0.0
    unsubscribe_rate: float = 0.0


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

    def add(self, other: Metrics) -> None:
        for name in (*_EVENT_FIELDS, *_ENROLLMENT_FIELDS):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def finish(self) -> Metrics:
        def ratio(n: int) -> float:
            return round(n / self.sent, 4) if self.sent else 0.0

        self.rates = Rates(
            open_rate=ratio(self.unique_opens),
            click_rate=ratio(self.unique_clicks),
            reply_rate=ratio(self.replies),
            bounce_rate=ratio(self.bounces),
            unsubscribe_rate=ratio(self.unsubscribes),
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
    """Metrics per template (only templates with activity appear) and their sum."""
    if since and until and until <= since:
        raise InvalidInput("Bad period", {"to": "must be after from"})
    params = {
        "org": org_id,
        "since": since,
        "until": until,
        "templates": list(template_ids) if template_ids is not None else None,
    }
    per: dict[uuid.UUID, Metrics] = {}
    for template_id, *counts in uow.session.execute(_EVENTS, params):
        target = per.setdefault(template_id, Metrics())
        for name, value in zip(_EVENT_FIELDS, counts, strict=True):
            setattr(target, name, int(value))
    for template_id, *counts in uow.session.execute(_ENROLLMENTS, params):
        target = per.setdefault(template_id, Metrics())
        for name, value in zip(_ENROLLMENT_FIELDS, counts, strict=True):
            setattr(target, name, int(value))
    overall = Metrics()
    for item in per.values():
        overall.add(item.finish())
    return Report(overall=overall.finish(), templates=per)
