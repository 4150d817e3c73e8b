"""The suppression list: addresses that never get mail from the organization again."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from sequences_core.db.models import Lead, Suppression
from sequences_core.db.pagination import Page, contains_pattern, paginate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import EnrollmentStatus, SuppressionReason
from sequences_core.errors import Conflict
from sequences_core.services import audit
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
    uow: UnitOfWork, org_id: uuid.UUID, email: str, source: str | None, actor: str
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
    audit.record(
        uow, org_id, actor, "suppression.add", ("suppression", row.id),
        details={"email": row.email, "stopped_enrollments": stopped},
    )  # fmt: skip
    uow.commit()
    return row, stopped


def remove_suppression(
    uow: UnitOfWork, org_id: uuid.UUID, suppression_id: uuid.UUID | str, reason: str,
    actor: str, *, force: bool = False,
) -> Suppression:  # fmt: skip
    """Mail the address again (the person asked to be). Enrollments it stopped stay stopped:
    enrolling the lead again is a separate, deliberate step.

    A complaint is someone marking our mail as spam; mailing them again is what gets a sender
    blocked, so removing one takes `force`.
    """
    row = get_owned(uow.session, Suppression, org_id, suppression_id, what="suppression")
    if row.reason == SuppressionReason.COMPLAINT and not force:
        raise Conflict(
            "This address complained (marked an email as spam); removing it needs force",
            {"force": "set to true to remove a complaint suppression"},
        )
    audit.record(
        uow, org_id, actor, "suppression.remove", ("suppression", row.id), reason=reason,
        details={"email": row.email, "was": row.reason, "source": row.source, "forced": force},
    )  # fmt: skip
    uow.session.delete(row)
    uow.commit()
    return row
