"""Events: what happened to each email and lead, with the classification and its reason."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sequences_core.db.models import SequenceEmailEvent
from sequences_core.db.repository import as_uuid
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput


def list_events(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    lead_id: uuid.UUID | str | None = None,
    enrollment_id: uuid.UUID | str | None = None,
    event_type: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> tuple[list[SequenceEmailEvent], int | None]:
    """Newest first; pass the returned id as `before_id` for the next page."""
    if not 1 <= limit <= 200:
        raise InvalidInput("Bad limit", {"limit": "must be between 1 and 200"})
    query = select(SequenceEmailEvent).where(SequenceEmailEvent.organization_id == org_id)
    if lead_id is not None:
        query = query.where(SequenceEmailEvent.lead_id == as_uuid(lead_id, "lead_id"))
    if enrollment_id is not None:
        query = query.where(
            SequenceEmailEvent.enrollment_id == as_uuid(enrollment_id, "enrollment_id")
        )
    if event_type:
        query = query.where(SequenceEmailEvent.type == event_type)
    if before_id is not None:
        query = query.where(SequenceEmailEvent.id < before_id)
    rows = list(uow.session.scalars(query.order_by(SequenceEmailEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    items = rows[:limit]
    return items, (items[-1].id if more and items else None)
