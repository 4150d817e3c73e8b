"""Reputation guard: pause a mailbox or an org whose bounce or complaint rate reaches the levels
at which SES itself puts accounts under review (5 % bounces, 0.1 % complaints)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text

from sequences_core.db.models import Mailbox, Organization
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import MailboxStatus

WINDOW = timedelta(days=7)
MIN_SENDS = 200
MAX_BOUNCE_RATE = 0.05
MAX_COMPLAINT_RATE = 0.001

# Sends and their hard bounces / complaints, per mailbox and per org (mailbox_id NULL), each
# counted from the later of the window's start and its last resume: an operator who resumed
# a mailbox has seen the bounces that paused it, and they must not pause it again.
_RATES = text("""
WITH sends AS (
    SELECT x.organization_id, x.mailbox_id, x.completed_at,
           EXISTS (SELECT 1 FROM sequence_email_events ev WHERE ev.execution_id = x.id
                   AND ev.type = 'bounce' AND ev.classification = 'bounce_hard') AS bounced,
           EXISTS (SELECT 1 FROM sequence_email_events ev WHERE ev.execution_id = x.id
                   AND ev.type = 'complaint') AS complained
    FROM sequence_step_executions x
    WHERE x.status = 'sent' AND x.completed_at >= :since
      AND (CAST(:org AS uuid) IS NULL OR x.organization_id = CAST(:org AS uuid))
)
SELECT s.organization_id, s.mailbox_id, count(*) AS sent,
       count(*) FILTER (WHERE s.bounced) AS bounces,
       count(*) FILTER (WHERE s.complained) AS complaints
FROM sends s JOIN mailboxes m ON m.id = s.mailbox_id
WHERE s.completed_at >= coalesce(m.reputation_since, :since)
GROUP BY s.organization_id, s.mailbox_id
UNION ALL
SELECT s.organization_id, NULL, count(*), count(*) FILTER (WHERE s.bounced),
       count(*) FILTER (WHERE s.complained)
FROM sends s JOIN organizations o ON o.id = s.organization_id
WHERE s.completed_at >= coalesce(o.reputation_since, :since)
GROUP BY s.organization_id
""")


@dataclass(frozen=True)
class Verdict:
    organization_id: uuid.UUID
    mailbox_id: uuid.UUID | None  # None: the whole org
    sent: int
    bounces: int = 0
    complaints: int = 0

    @property
    def bounce_rate(self) -> float:
        return self.bounces / self.sent if self.sent else 0.0

    @property
    def complaint_rate(self) -> float:
        return self.complaints / self.sent if self.sent else 0.0

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


def reputation(uow: UnitOfWork, now: datetime, org_id: uuid.UUID | None = None) -> list[Verdict]:
    """Every mailbox's and organization's sends over the window (or one organization's)."""
    return [
        Verdict(org, mailbox, sent, bounces, complaints)
        for org, mailbox, sent, bounces, complaints in uow.session.execute(
            _RATES, {"since": now - WINDOW, "org": org_id}
        )
    ]


@dataclass(frozen=True)
class Standing:
    """One mailbox's or the organization's standing, as an operator reads it before resuming."""

    verdict: Verdict
    name: str
    paused_reason: str | None
    counted_since: datetime

    @property
    def status(self) -> str:
        return MailboxStatus.PAUSED.value if self.paused_reason else MailboxStatus.ACTIVE.value


@dataclass(frozen=True)
class ReputationReport:
    window_start: datetime
    window_end: datetime
    organization: Standing
    mailboxes: list[Standing]


def reputation_report(uow: UnitOfWork, org_id: uuid.UUID, now: datetime) -> ReputationReport:
    """Why the guard paused (or would pause) this organization or its mailboxes: counts, rates
    and the window each was counted over, with every mailbox listed, sends or not."""
    since = now - WINDOW
    found = {v.mailbox_id: v for v in reputation(uow, now, org_id)}
    org = uow.session.get_one(Organization, org_id)
    boxes = uow.session.scalars(
        select(Mailbox).where(Mailbox.organization_id == org_id).order_by(Mailbox.created_at)
    )

    def standing(
        key: uuid.UUID | None, name: str, paused: str | None, resumed: datetime | None
    ) -> Standing:
        verdict = found.get(key) or Verdict(org_id, key, 0)
        return Standing(verdict, name, paused, max(since, resumed or since))

    return ReputationReport(
        since, now,
        standing(None, org.name, org.paused_reason, org.reputation_since),
        [standing(b.id, b.from_email, b.paused_reason, b.reputation_since) for b in boxes],
    )  # fmt: skip


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
