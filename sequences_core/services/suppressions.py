"""The suppression list: addresses that never get mail from the organization again."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from sequences_core.db.models import Lead, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import EnrollmentStatus, SuppressionReason
from sequences_core.pagination import Page, contains_pattern, paginate
from sequences_core.services.feedback import stop_lead, suppress


def list_suppressions(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    q: str | None = None,
    reason: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Suppression]:
    query = select(Suppression).where(Suppression.organization_id == org_id)
    if reason:
        query = query.where(Suppression.reason == reason)
    if q:
        query = query.where(Suppression.email.ilike(contains_pattern(q)))
    return paginate(uow.session, query, Suppression, limit, cursor)


def add_suppression(
    uow: UnitOfWork, org_id: uuid.UUID, email: str, source: str | None
) -> tuple[Suppression, int]:
    """Suppress an address by hand (idempotent); the lead's live enrollments stop at once."""
    suppress(uow, org_id, email, SuppressionReason.MANUAL, source or "api")
    stopped = 0
    lead_id = uow.session.scalar(
        select(Lead.id).where(
            Lead.organization_id == org_id, func.lower(Lead.email) == email.lower()
        )
    )
    if lead_id is not None:
        stopped = stop_lead(uow, org_id, lead_id, EnrollmentStatus.STOPPED, "suppressed: manual")
    row = uow.session.scalars(
        select(Suppression).where(
            Suppression.organization_id == org_id, func.lower(Suppression.email) == email.lower()
        )
    ).one()
    uow.commit()
    return row, stopped
