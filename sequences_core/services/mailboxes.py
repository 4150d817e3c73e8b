"""Mailboxes: the sender identities an organization sends from."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sequences_core.db.models import Mailbox
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import Conflict
from sequences_core.schemas import MailboxCreate


def list_mailboxes(uow: UnitOfWork, org_id: uuid.UUID) -> list[Mailbox]:
    return list(
        uow.session.scalars(
            select(Mailbox).where(Mailbox.organization_id == org_id).order_by(Mailbox.created_at)
        )
    )


def create_mailbox(uow: UnitOfWork, org_id: uuid.UUID, data: MailboxCreate) -> Mailbox:
    taken_error = Conflict("a mailbox with this address exists", {"from_email": "already used"})
    taken = uow.session.scalar(
        select(Mailbox.id).where(
            Mailbox.organization_id == org_id,
            func.lower(Mailbox.from_email) == data.from_email.lower(),
        )
    )
    if taken is not None:
        raise taken_error
    mailbox = Mailbox(organization_id=org_id, **data.model_dump())
    uow.session.add(mailbox)
    try:
        uow.session.flush()
    except IntegrityError:  # a concurrent create of the same address
        raise Conflict(
            "a mailbox with this address exists", {"from_email": "already used"}
        ) from None
    uow.commit()
    return mailbox


def mailbox_domains(uow: UnitOfWork, org_id: uuid.UUID) -> set[str]:
    """The domains the organization sends from (test sends may only go to these)."""
    return {m.from_email.rsplit("@", 1)[-1].lower() for m in list_mailboxes(uow, org_id)}
