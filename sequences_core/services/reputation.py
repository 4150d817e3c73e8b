"""Reputation guard: pause a mailbox or an org whose bounce or complaint rate reaches the levels
at which SES itself puts accounts under review (5 % bounces, 0.1 % complaints)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from sequences_core.db.models import Mailbox, Organization
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import MailboxStatus

WINDOW = timedelta(days=7)
MIN_SENDS = 200
MAX_BOUNCE_RATE = 0.05
MAX_COMPLAINT_RATE = 0.001

# Sends and their hard bounces / complaints over the window, per mailbox (NULL = the org's total).
_RATES = text("""
SELECT x.organization_id, x.mailbox_id, count(*) AS sent,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sequence_email_events ev
           WHERE ev.execution_id = x.id AND ev.type = 'bounce'
             AND ev.classification = 'bounce_hard')) AS bounces,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sequence_email_events ev
           WHERE ev.execution_id = x.id AND ev.type = 'complaint')) AS complaints
FROM sequence_step_executions x
WHERE x.status = 'sent' AND x.completed_at >= :since
GROUP BY GROUPING SETS ((x.organization_id, x.mailbox_id), (x.organization_id))
""")


@dataclass(frozen=True)
class Verdict:
    organization_id: uuid.UUID
    mailbox_id: uuid.UUID | None  # None: the whole org
    sent: int
    bounce_rate: float
    complaint_rate: float

    @property
    def reason(self) -> str | None:
        if self.sent < MIN_SENDS:
            return None
        if self.bounce_rate >= MAX_BOUNCE_RATE:
            return (
                f"reputation: {self.bounce_rate:.1%} hard bounces over {self.sent} sends in 7 days"
            )
        if self.complaint_rate >= MAX_COMPLAINT_RATE:
            return (
                f"reputation: {self.complaint_rate:.2%} complaints over {self.sent} sends in 7 days"
            )
        return None


def reputation(uow: UnitOfWork, now: datetime) -> list[Verdict]:
    return [
        Verdict(org, mailbox, sent, bounces / sent, complaints / sent)
        for org, mailbox, sent, bounces, complaints in uow.session.execute(
            _RATES, {"since": now - WINDOW}
        )
    ]


def guard_reputation(uow: UnitOfWork, now: datetime) -> list[str]:
    """Pause what crossed a line (an operator resumes it); return what was paused and why."""
    paused: list[str] = []
    for verdict in reputation(uow, now):
        reason = verdict.reason
        if reason is None:
            continue
        if verdict.mailbox_id is not None:
            mailbox = uow.session.get(Mailbox, verdict.mailbox_id)
            if mailbox is not None and mailbox.status == MailboxStatus.ACTIVE:
                mailbox.status, mailbox.paused_reason = MailboxStatus.PAUSED.value, reason
                paused.append(f"mailbox {mailbox.from_email}: {reason}")
        else:
            org = uow.session.get(Organization, verdict.organization_id)
            if org is not None and org.paused_reason is None:
                org.paused_reason = reason
                paused.append(f"organization {org.name}: {reason}")
    uow.commit()
    return paused
