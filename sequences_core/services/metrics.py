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

# Lead-level events (a meeting, an opt-out) count for every template the lead is enrolled in,
# and once overall: counts are DISTINCT over event ids, the overall row is its own grouping set.
_EVENTS = text("""
SELECT GROUPING(e.template_id) = 1, e.template_id,
    count(DISTINCT v.id) FILTER (WHERE v.type = 'sent'),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'delivered'),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'open' AND NOT v.bot),
    count(DISTINCT v.execution_id) FILTER (WHERE v.type IN ('open', 'click') AND NOT v.bot),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'click' AND NOT v.bot),
    count(DISTINCT v.execution_id) FILTER (WHERE v.type = 'click' AND NOT v.bot),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'reply'),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'bounce'),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'complaint'),
    count(DISTINCT v.id) FILTER (WHERE v.type = 'meeting_booked'),
    count(DISTINCT v.id) FILTER (WHERE v.type IN ('open', 'click') AND v.bot)
FROM sequence_email_events v
JOIN sequence_enrollments e ON e.organization_id = :org
    AND (e.id = v.enrollment_id OR (v.enrollment_id IS NULL AND e.lead_id = v.lead_id))
WHERE v.organization_id = :org
  AND (CAST(:since AS timestamptz) IS NULL OR v.occurred_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR v.occurred_at < :until)
  AND (CAST(:templates AS uuid[]) IS NULL OR e.template_id = ANY(CAST(:templates AS uuid[])))
GROUP BY GROUPING SETS ((e.template_id), ())
""")
_ENROLLMENTS = text("""
SELECT GROUPING(template_id) = 1, template_id, count(*),
    count(*) FILTER (WHERE status = 'active'),
    count(*) FILTER (WHERE status = 'paused'),
    count(*) FILTER (WHERE status = 'completed'),
    count(*) FILTER (WHERE status = 'unsubscribed')
FROM sequence_enrollments
WHERE organization_id = :org
  AND (CAST(:since AS timestamptz) IS NULL OR enrolled_at >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR enrolled_at < :until)
  AND (CAST(:templates AS uuid[]) IS NULL OR template_id = ANY(CAST(:templates AS uuid[])))
GROUP BY GROUPING SETS ((template_id), ())
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
    for statement, names in ((_EVENTS, _EVENT_FIELDS), (_ENROLLMENTS, _ENROLLMENT_FIELDS)):
        for is_total, template_id, *counts in uow.session.execute(statement, params):
            target = overall if is_total else per.setdefault(template_id, Metrics())
            for name, value in zip(names, counts, strict=True):
                setattr(target, name, int(value))
    for item in per.values():
        item.finish()
    return Report(overall=overall.finish(), templates=per)
