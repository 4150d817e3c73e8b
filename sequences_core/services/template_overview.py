"""The template list as operators read it: each template with its step count, metrics and
last send, searched, filtered and sorted over the whole organization.

The API pages through templates newest first; a person scanning a list wants it sorted by
what they are looking for (the name, the reply rate, the last send), which needs every
matching template, so this reads them all up to `limit` and says when it stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from sequences_core.db.models import SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.metrics import Metrics, metrics
from sequences_core.services.templates import list_templates

_STEPS = text("""
SELECT template_id, count(*) FROM sequence_steps
WHERE organization_id = :org AND template_id = ANY(CAST(:templates AS uuid[]))
GROUP BY template_id
""")
_LAST_SENT = text("""
SELECT e.template_id, max(v.occurred_at)
FROM sequence_email_events v
JOIN sequence_enrollments e ON e.id = v.enrollment_id
WHERE v.organization_id = :org AND v.type = 'sent'
  AND e.organization_id = :org AND e.template_id = ANY(CAST(:templates AS uuid[]))
GROUP BY e.template_id
""")
_PAGE = 200


@dataclass(frozen=True)
class TemplateRow:
    template: SequenceTemplate
    steps: int
    metrics: Metrics
    last_sent_at: datetime | None

    @property
    def archived(self) -> bool:
        return self.template.deleted_at is not None


@dataclass(frozen=True)
class Overview:
    rows: list[TemplateRow]
    truncated: bool  # more templates matched than `limit`


def _never(row: TemplateRow) -> float:
    return row.last_sent_at.timestamp() if row.last_sent_at else float("-inf")


# Each sort's key and whether it runs high to low (numbers and times: the most first).
SORTS: dict[str, tuple[Callable[[TemplateRow], Any], bool]] = {
    "newest": (lambda r: r.template.created_at, True),
    "name": (lambda r: (r.template.name.casefold(), r.template.name), False),
    "enrolled": (lambda r: r.metrics.enrolled, True),
    "active": (lambda r: r.metrics.active, True),
    "open_rate": (lambda r: r.metrics.rates.open_rate, True),
    "click_rate": (lambda r: r.metrics.rates.click_rate, True),
    "reply_rate": (lambda r: r.metrics.rates.reply_rate, True),
    "last_sent": (_never, True),
}


def template_overview(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    q: str | None = None,
    category: str | None = None,
    include_deleted: bool = False,
    sort: str = "newest",
    limit: int = 1000,
) -> Overview:
    """The matching templates (the API's search and filter) with what the list shows."""
    templates: list[SequenceTemplate] = []
    cursor: str | None = None
    while len(templates) <= limit:
        page = list_templates(
            uow, org_id, category=category, q=q, include_deleted=include_deleted,
            limit=_PAGE, cursor=cursor,
        )  # fmt: skip
        templates.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    truncated = len(templates) > limit or cursor is not None
    templates = templates[:limit]
    ids = [t.id for t in templates]
    params = {"org": org_id, "templates": ids}
    steps: dict[uuid.UUID, int] = {}
    last_sent: dict[uuid.UUID, datetime] = {}
    if ids:
        steps = {tid: int(n) for tid, n in uow.session.execute(_STEPS, params)}
        last_sent = dict(uow.session.execute(_LAST_SENT, params).all())
    report = metrics(uow, org_id, template_ids=ids) if ids else None
    empty = Metrics().finish()
    rows = [
        TemplateRow(
            template=t,
            steps=steps.get(t.id, 0),
            metrics=report.templates.get(t.id, empty) if report else empty,
            last_sent_at=last_sent.get(t.id),
        )
        for t in templates
    ]
    key, descending = SORTS.get(sort, SORTS["newest"])
    rows.sort(key=key, reverse=descending)
    return Overview(rows=rows, truncated=truncated)
