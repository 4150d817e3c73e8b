"""Mailboxes: the sender identities an organization sends from; operators' changes audited.

A sending domain belongs to one organization, the first to add a mailbox there: otherwise
any organization could send as another's address.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from sequences_core.clock import utcnow
from sequences_core.db.models import Mailbox, SenderDomain
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import MailboxStatus
from sequences_core.errors import Conflict
from sequences_core.operator_schemas import MailboxUpdate
from sequences_core.rules.limits import local_day, warmup_limit
from sequences_core.schemas import MailboxCreate
from sequences_core.services import audit


def list_mailboxes(uow: UnitOfWork, org_id: uuid.UUID) -> list[Mailbox]:
    return list(
        uow.session.scalars(
            select(Mailbox).where(Mailbox.organization_id == org_id).order_by(Mailbox.created_at)
        )
    )


IdentityCheck = Callable[[str], str | None]
"""Why the configured sender would refuse to send as an address, or None when it would send
(`wiring.identity_check` builds it: SES's verified identities, or nothing to check)."""


@dataclass(frozen=True)
class CreatedMailbox:
    mailbox: Mailbox
    warnings: list[str]


def sender_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def claim_sender_domain(uow: UnitOfWork, org_id: uuid.UUID, address: str) -> None:
    """Make the address's domain the organization's unless another organization has it
    (Conflict, not saying which). A concurrent claim of the same domain is waited for at the
    insert and then seen by the read after it, so of two organizations only one wins."""
    domain = sender_domain(address)
    uow.session.execute(
        insert(SenderDomain)
        .values(domain=domain, organization_id=org_id)
        .on_conflict_do_nothing(index_elements=[SenderDomain.domain])
    )
    owner = uow.session.scalar(
        select(SenderDomain.organization_id).where(SenderDomain.domain == domain)
    )
    if owner != org_id:
        raise Conflict(
            f"{domain} is another organization's sending domain",
            {"from_email": f"its domain {domain} belongs to another organization"},
        )


def create_mailbox(
    uow: UnitOfWork, org_id: uuid.UUID, data: MailboxCreate, check_identity: IdentityCheck
) -> CreatedMailbox:
    """Add a sender identity at a domain of the organization's (or of no one's yet, which
    makes it the organization's). The sender is asked about the address after the commit:
    a slow or failed check holds no lock and refuses nothing, it only warns."""
    taken = Conflict("a mailbox with this address exists", {"from_email": "already used"})
    if uow.session.scalar(
        select(Mailbox.id).where(
            Mailbox.organization_id == org_id,
            func.lower(Mailbox.from_email) == data.from_email.lower(),
        )
    ):
        raise taken
    claim_sender_domain(uow, org_id, data.from_email)
    mailbox = Mailbox(organization_id=org_id, **data.model_dump())
    uow.session.add(mailbox)
    try:
        uow.session.flush()
    except IntegrityError:  # a concurrent create of the same address
        raise taken from None
    uow.commit()
    warning = check_identity(data.from_email)
    return CreatedMailbox(mailbox, [warning] if warning else [])


def mailbox_domains(uow: UnitOfWork, org_id: uuid.UUID) -> set[str]:
    """The domains the organization sends from (test sends may only go to these)."""
    return {sender_domain(m.from_email) for m in list_mailboxes(uow, org_id)}


def get_mailbox(uow: UnitOfWork, org_id: uuid.UUID, mailbox_id: uuid.UUID | str) -> Mailbox:
    return get_owned(uow.session, Mailbox, org_id, mailbox_id, what="mailbox")


def todays_limit(mailbox: Mailbox, now: datetime) -> int:
    """What the mailbox may send on its local day today: the warm-up ramp or the daily limit."""
    return warmup_limit(mailbox.daily_limit, mailbox.warmup, local_day(now, mailbox.timezone))


def update_mailbox(
    uow: UnitOfWork, org_id: uuid.UUID, mailbox_id: uuid.UUID | str, data: MailboxUpdate,
    actor: str,
) -> Mailbox:  # fmt: skip
    """Change what the request names; a warm-up without a start date starts today."""
    mailbox = get_mailbox(uow, org_id, mailbox_id)
    changes = data.changes()
    if "warmup" in changes:
        changes["warmup"] = _warmup(changes["warmup"], changes.get("timezone", mailbox.timezone))
    before = {name: getattr(mailbox, name) for name in changes}
    for name, value in changes.items():
        setattr(mailbox, name, value)
    if changes:
        audit.record(
            uow, org_id, actor, "mailbox.update", ("mailbox", mailbox.id),
            details={"before": before, "after": changes},
        )  # fmt: skip
    uow.commit()
    return mailbox


def _warmup(warmup: dict[str, Any] | None, zone: str) -> dict[str, Any]:
    """As stored: `{}` is no warm-up; a ramp without a start date starts today."""
    if warmup is None:
        return {}
    if warmup.get("start_date") is None:
        return {**warmup, "start_date": local_day(utcnow(), zone).isoformat()}
    return warmup


def pause_mailbox(
    uow: UnitOfWork, org_id: uuid.UUID, mailbox_id: uuid.UUID | str, reason: str, actor: str
) -> Mailbox:
    """Hold the mailbox's sends (the dispatcher defers them) until it is resumed."""
    mailbox = get_mailbox(uow, org_id, mailbox_id)
    mailbox.status, mailbox.paused_reason = MailboxStatus.PAUSED.value, f"manual: {reason}"
    audit.record(uow, org_id, actor, "mailbox.pause", ("mailbox", mailbox.id), reason=reason)
    uow.commit()
    return mailbox


def resume_mailbox(
    uow: UnitOfWork, org_id: uuid.UUID, mailbox_id: uuid.UUID | str, reason: str, actor: str,
    now: datetime,
) -> Mailbox:  # fmt: skip
    """Lift a pause (the reputation guard's or an operator's); the guard counts from now, so
    the bounces that paused it do not pause it again at the next feedback cycle."""
    mailbox = get_mailbox(uow, org_id, mailbox_id)
    if mailbox.status != MailboxStatus.PAUSED:
        raise Conflict("The mailbox is not paused", {"status": "already active"})
    details = {"was": mailbox.paused_reason}
    mailbox.status, mailbox.paused_reason = MailboxStatus.ACTIVE.value, None
    mailbox.reputation_since = now
    audit.record(
        uow, org_id, actor, "mailbox.resume", ("mailbox", mailbox.id),
        reason=reason, details=details,
    )  # fmt: skip
    uow.commit()
    return mailbox
