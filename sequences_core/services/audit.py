"""The audit log: every change an operator makes by hand, with who, when and why.

Written in the same transaction as the change it describes, so a change is never without
its entry and an entry never describes a change that was rolled back.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sequences_core.db.models import AuditEntry
from sequences_core.db.pagination import Page, paginate
from sequences_core.db.uow import UnitOfWork


def record(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    actor: str,
    action: str,
    subject: tuple[str, object | None],
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry to the caller's transaction; `subject` is (type, id), e.g. ("mailbox", id)."""
    kind, ident = subject
    uow.session.add(
        AuditEntry(
            organization_id=org_id,
            actor=actor,
            action=action,
            subject_type=kind,
            subject_id=None if ident is None else str(ident),
            reason=reason,
            details=details or {},
        )
    )


def list_audit(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    subject_type: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.organization_id == org_id)
    if subject_type:
        query = query.where(AuditEntry.subject_type == subject_type)
    return paginate(uow.session, query, AuditEntry, limit, cursor)
