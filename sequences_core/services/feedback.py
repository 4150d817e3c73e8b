"""Applying feedback: bounces, complaints, replies, out-of-office, opt-outs, meetings.

Every event is stored with a unique dedupe key first; only an event that was new
changes any state, so a re-delivered SQS message or a re-read S3 object is a no-op.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import getaddresses
from typing import Any

from sqlalchemy import func, or_, select, text, update

from sequences_core.db.bulk import json_rows, recordset, uuid_array
from sequences_core.db.dispatch_sql import WAKE_BY_ENROLLMENTS
from sequences_core.db.models import (
    Lead,
    Mailbox,
    Organization,
    SequenceEnrollment,
    SequenceStepExecution,
    SequenceTemplate,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import (
    LIVE_ENROLLMENT_STATUSES,
    EnrollmentStatus,
    EventType,
    LeadStatus,
    SuppressionReason,
)
from sequences_core.feedback.classify import Classification, Kind, classify
from sequences_core.rules.engagement import PREFETCH_WINDOW
from sequences_core.rules.schedule import SendRules, next_allowed_instant
from sequences_core.schemas import TemplateSettings
from sequences_core.services.tracking import KEEPS_FULL_IP, WITHIN_PREFETCH

SOFT_BOUNCES_AS_HARD = 3
SOFT_BOUNCE_WINDOW = timedelta(days=7)


@dataclass
class FeedbackSummary:
    events: int = 0
    duplicates: int = 0
    unmatched: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0
    replies: int = 0
    auto_replies: int = 0
    out_of_office: int = 0
    unsubscribes: int = 0
    left_company: int = 0
    meetings: int = 0
    dead_letters: int = 0
    paused_for_reputation: int = 0

    def add(self, other: FeedbackSummary) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


# --- shared state changes (set-based: one statement per kind of change, whatever the batch) -


_EVENT_COLUMNS = {
    "organization_id": "uuid", "enrollment_id": "uuid", "execution_id": "uuid", "lead_id": "uuid",
    "type": "text", "occurred_at": "timestamptz", "url": "text", "ip": "text",
    "user_agent": "text", "classification": "text", "reason": "text", "dedupe_key": "text",
    "raw": "jsonb", "ip_short": "text", "device": "text", "client": "text", "bot": "boolean",
}  # fmt: skip
# Opens and clicks (SES's own, when its tracking is on) get the pixel's rules: the address
# truncated unless the org opts in (in the stored SES event too), and a machine's when
# within seconds of delivery.
_STORE_EVENTS = text(f"""
INSERT INTO sequence_email_events (organization_id, enrollment_id, execution_id, lead_id, type,
    occurred_at, url, ip, user_agent, classification, reason, dedupe_key, raw, device, client,
    bot)
SELECT v.organization_id, v.enrollment_id, v.execution_id, v.lead_id, v.type, v.occurred_at,
    v.url, CASE WHEN r.full_ip THEN v.ip ELSE v.ip_short END, v.user_agent, v.classification,
    CASE WHEN coalesce(v.bot, false) THEN v.reason
         WHEN r.early THEN 'within_seconds_of_delivery' ELSE v.reason END,
    v.dedupe_key,
    CASE WHEN v.ip IS NULL OR r.full_ip
         THEN v.raw ELSE v.raw #- '{{open,ipAddress}}' #- '{{click,ipAddress}}' END,
    v.device, v.client, coalesce(v.bot, false) OR r.early
FROM {recordset(_EVENT_COLUMNS)}
LEFT JOIN organizations o ON o.id = v.organization_id
LEFT JOIN sequence_step_executions x ON x.id = v.execution_id
CROSS JOIN LATERAL (SELECT {KEEPS_FULL_IP} AS full_ip, v.type IN ('open', 'click')
    AND {WITHIN_PREFETCH.format(at="v.occurred_at")} AS early) r
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING dedupe_key
""")

_SUPPRESS = text("""
INSERT INTO suppressions (organization_id, email, reason, source)
SELECT org, lower(email), :reason, source
FROM unnest(CAST(:orgs AS uuid[]), CAST(:emails AS text[]), CAST(:sources AS text[]))
    AS t(org, email, source)
WHERE email <> ''
ON CONFLICT DO NOTHING
""")

_STOP_LEADS = text("""
UPDATE sequence_enrollments e
SET status = :status, stopped_reason = t.reason, next_run_at = NULL, updated_at = now()
FROM unnest(CAST(:orgs AS uuid[]), CAST(:leads AS uuid[]), CAST(:reasons AS text[]))
    AS t(org, lead, reason)
WHERE e.organization_id = t.org AND e.lead_id = t.lead AND e.status IN ('active', 'paused')
""")

# `lead_id = ANY(..)` as the index condition (a lead id names one lead of one org; the org
# list keeps the tenant scope): a join to unnest() lets the planner pick a scan instead.
_RECENT_SOFT_BOUNCES = text("""
SELECT lead_id, count(*)
FROM sequence_email_events
WHERE lead_id = ANY(CAST(:leads AS uuid[])) AND organization_id = ANY(CAST(:orgs AS uuid[]))
  AND classification = 'bounce_soft' AND occurred_at >= :since
GROUP BY lead_id
""")

# A soft bounce means the mail did not arrive: the step goes again at the next window, as a
# new attempt, unless something later already went out.
_RETRY_SOFT_BOUNCED = text("""
WITH failed AS (
    UPDATE sequence_step_executions x SET status = 'failed', error = t.error
    FROM unnest(CAST(:ids AS uuid[]), CAST(:errors AS text[])) AS t(id, error)
    WHERE x.id = t.id AND x.status = 'sent'
    RETURNING x.enrollment_id, x.step_position
)
UPDATE sequence_enrollments e
SET current_step = f.step_position, next_run_at = :now, updated_at = now()
FROM failed f
WHERE e.id = f.enrollment_id AND e.status = 'active' AND e.current_step > f.step_position
  AND NOT EXISTS (SELECT 1 FROM sequence_step_executions later
                  WHERE later.enrollment_id = f.enrollment_id
                    AND later.step_position > f.step_position)
""")


def store_events(uow: UnitOfWork, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert events (one statement, one parameter); return the dedupe keys that were new."""
    if not rows:
        return set()
    params = {"rows": json_rows(rows), "prefetch": PREFETCH_WINDOW}
    new = set(uow.session.scalars(_STORE_EVENTS, params))
    _wake(uow, [r for r in rows if r.get("dedupe_key") in new])
    return new


def _wake(uow: UnitOfWork, rows: Sequence[dict[str, Any]]) -> None:
    """A new reply wakes its enrollment if it waits at a condition (opens and clicks come
    through the pixel's writer, which wakes them the same way)."""
    replies = [r for r in rows if r["type"] == EventType.REPLY and r.get("enrollment_id")]
    if replies:
        uow.session.execute(
            WAKE_BY_ENROLLMENTS,
            {"enrollments": uuid_array(r["enrollment_id"] for r in replies),
             "at": min(r["occurred_at"] for r in replies)},
        )  # fmt: skip


@dataclass(frozen=True)
class Bounce:
    organization_id: uuid.UUID
    email: str
    lead_id: uuid.UUID | None
    source: str
    execution_id: uuid.UUID | None = None  # the sent step a soft bounce sends again


def suppress_many(
    uow: UnitOfWork,
    entries: Sequence[tuple[uuid.UUID, str, str]],  # (org, email, source)
    reason: SuppressionReason,
) -> None:
    """Suppress addresses org-wide; an address already suppressed keeps its first reason."""
    if entries:
        orgs, emails, sources = zip(*entries, strict=True)
        uow.session.execute(
            _SUPPRESS,
            {"orgs": uuid_array(orgs), "emails": list(emails), "sources": list(sources),
             "reason": reason.value},
        )  # fmt: skip


def stop_leads(
    uow: UnitOfWork,
    targets: Sequence[tuple[uuid.UUID, uuid.UUID, str]],  # (org, lead, reason)
    status: EnrollmentStatus,
) -> int:
    """End every live enrollment of these leads in their org (an opt-out covers all sequences)."""
    if not targets:
        return 0
    orgs, leads, reasons = zip(*targets, strict=True)
    result = uow.session.execute(
        _STOP_LEADS,
        {"orgs": uuid_array(orgs), "leads": uuid_array(leads), "reasons": list(reasons),
         "status": status.value},
    )  # fmt: skip
    return int(result.rowcount)  # type: ignore[attr-defined]


def suppress(
    uow: UnitOfWork, org_id: uuid.UUID, email: str, reason: SuppressionReason, source: str
) -> None:
    suppress_many(uow, [(org_id, email, source)], reason)


def stop_lead(
    uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID, status: EnrollmentStatus, reason: str
) -> int:
    stopped = stop_leads(uow, [(org_id, lead_id, reason)], status)
    uow.session.expire_all()  # enrollments already loaded re-read their new status
    return stopped


def _lead_by_email(uow: UnitOfWork, org_id: uuid.UUID, email: str) -> Lead | None:
    return uow.session.scalars(
        select(Lead).where(Lead.organization_id == org_id, func.lower(Lead.email) == email.lower())
    ).first()


def suppress_and_stop(
    uow: UnitOfWork,
    bounces: Sequence[Bounce],
    reason: SuppressionReason,
    status: EnrollmentStatus,
    why: Callable[[Bounce], str],
) -> None:
    """Suppress each address and end its lead's live enrollments, saying why."""
    suppress_many(uow, [(b.organization_id, b.email, b.source) for b in bounces], reason)
    stop_leads(uow, [(b.organization_id, b.lead_id, why(b)) for b in bounces if b.lead_id], status)


def hard_bounces(uow: UnitOfWork, bounces: Sequence[Bounce]) -> None:
    suppress_and_stop(
        uow,
        bounces,
        SuppressionReason.HARD_BOUNCE,
        EnrollmentStatus.BOUNCED,
        lambda b: f"hard bounce: {b.source}",
    )


def soft_bounces(uow: UnitOfWork, bounces: Sequence[Bounce], now: datetime) -> int:
    """Count them; a lead's third in a week is treated as hard, the rest retry their step.

    The events are stored first, so the counts include this batch. Returns how many leads
    were treated as hard bounced.
    """
    known = [(b, b.lead_id) for b in bounces if b.lead_id is not None]
    counts: dict[uuid.UUID, int] = {}
    if known:
        found = uow.session.execute(
            _RECENT_SOFT_BOUNCES,
            {"orgs": uuid_array([b.organization_id for b, _ in known]),
             "leads": uuid_array([lead for _, lead in known]),
             "since": now - SOFT_BOUNCE_WINDOW},
        )  # fmt: skip
        counts = {lead: count for lead, count in found}
    hard = {lead: b for b, lead in known if counts.get(lead, 0) >= SOFT_BOUNCES_AS_HARD}
    source = f"{SOFT_BOUNCES_AS_HARD} soft bounces in 7 days"
    hard_bounces(
        uow, [Bounce(b.organization_id, b.email, b.lead_id, source) for b in hard.values()]
    )
    retry = [
        (b.execution_id, f"soft bounce: {b.source}")
        for b in bounces
        if b.execution_id is not None and b.lead_id not in hard
    ]
    if retry:
        ids, errors = zip(*retry, strict=True)
        uow.session.execute(
            _RETRY_SOFT_BOUNCED, {"ids": uuid_array(ids), "errors": list(errors), "now": now}
        )
    return len(hard)


# --- inbound mail ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundResult:
    classification: Classification
    organization_id: uuid.UUID | None
    enrollment_id: uuid.UUID | None
    applied: bool


_VERP = re.compile(r"\+([0-9a-f]{32})@")
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "libero.it",
        "hotmail.fr",
        "yahoo.fr",
    ]
)


def _stop_account(uow: UnitOfWork, org_id: uuid.UUID, lead: Lead) -> int:
    """Pause the org's other live enrollments at the replier's company (its email domain)."""
    domain = lead.email.rpartition("@")[2].lower()
    if domain in FREE_MAIL:
        return 0
    colleagues = select(Lead.id).where(
        Lead.organization_id == org_id,
        Lead.id != lead.id,
        func.lower(Lead.email).like(f"%@{domain}"),
    )
    result = uow.session.execute(
        update(SequenceEnrollment)
        .where(
            SequenceEnrollment.organization_id == org_id,
            SequenceEnrollment.lead_id.in_(colleagues),
            SequenceEnrollment.status == EnrollmentStatus.ACTIVE.value,
        )
        .values(
            status=EnrollmentStatus.PAUSED.value,
            paused_reason=f"account_replied: {lead.email}",
            next_run_at=None,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _match_inbound(
    uow: UnitOfWork, raw: bytes, found: Classification
) -> tuple[SequenceEnrollment | None, uuid.UUID | None]:
    """By our Message-IDs in In-Reply-To/References; else by sender address and the org of the
    mailbox it was sent to."""
    if found.references:
        execution = uow.session.scalars(
            select(SequenceStepExecution)
            .where(SequenceStepExecution.message_id_header.in_(found.references))
            .order_by(SequenceStepExecution.created_at.desc())
        ).first()
        if execution is not None:
            return uow.session.get(
                SequenceEnrollment, execution.enrollment_id
            ), execution.organization_id
    message = message_from_bytes(raw, policy=policy.default)
    to = [
        address.lower()
        for name in ("To", "Cc", "Delivered-To", "X-Original-To")
        for _, address in getaddresses([str(v) for v in message.get_all(name, []) or []])
        if address
    ]
    for address in to:  # a VERP reply-to names the execution itself
        token = _VERP.search(address)
        if token is not None:
            execution = uow.session.get(SequenceStepExecution, uuid.UUID(hex=token.group(1)))
            if execution is not None:
                enrollment = uow.session.get(SequenceEnrollment, execution.enrollment_id)
                return enrollment, execution.organization_id
    # The mailbox's reply-to is stored with its placeholder: compare in that form too.
    to += [_VERP.sub("+{execution}@", address) for address in to if _VERP.search(address)]
    org_id = uow.session.scalar(
        select(Mailbox.organization_id).where(
            or_(func.lower(Mailbox.from_email).in_(to), func.lower(Mailbox.reply_to).in_(to))
        )
    )
    sender = found.bounced_recipients[0] if found.bounced_recipients else found.from_address
    if org_id is None or not sender:
        return None, org_id
    enrollment = uow.session.scalars(
        select(SequenceEnrollment)
        .join(Lead)
        .where(SequenceEnrollment.organization_id == org_id, func.lower(Lead.email) == sender)
        .order_by(SequenceEnrollment.last_step_at.desc().nulls_last())
    ).first()
    return enrollment, org_id


def _hold(
    uow: UnitOfWork, enrollment: SequenceEnrollment, earliest: Callable[[SendRules], datetime]
) -> None:
    """Move the next step to the first send window at or after `earliest` (given the lead's send
    rules, for their zone); never sooner than it already was."""
    from sequences_core.rules.sending import send_rules

    template = uow.session.get(SequenceTemplate, enrollment.template_id)
    lead = uow.session.get(Lead, enrollment.lead_id)
    org = uow.session.get(Organization, enrollment.organization_id)
    assert template is not None and lead is not None and org is not None
    rules = send_rules(TemplateSettings.model_validate(template.settings), lead, org)
    resume = next_allowed_instant(earliest(rules), rules)
    if enrollment.next_run_at is None or enrollment.next_run_at < resume:
        enrollment.next_run_at = resume


def _resume_after(uow: UnitOfWork, enrollment: SequenceEnrollment, back: datetime) -> None:
    """Hold an out-of-office lead until the first send window after the day they return."""
    _hold(
        uow,
        enrollment,
        lambda rules: datetime.combine(
            back.date() + timedelta(days=1), datetime.min.time(), tzinfo=rules.zone
        ),
    )


def _undated_absence_delay(
    uow: UnitOfWork, found: Classification, enrollment: SequenceEnrollment | None
) -> int:
    """Days an out-of-office without a return date holds a live enrollment (the template's
    `ooo_delay_days`); 0 when it does not apply. Without it the next step lands in the full
    inbox of someone who is away."""
    if found.kind != Kind.OUT_OF_OFFICE or found.return_date or found.left_company:
        return 0
    if enrollment is None or enrollment.status not in LIVE_ENROLLMENT_STATUSES:
        return 0
    template = uow.session.get(SequenceTemplate, enrollment.template_id)
    return TemplateSettings.model_validate(template.settings if template else {}).ooo_delay_days


def apply_inbound(uow: UnitOfWork, raw: bytes, now: datetime, source: str) -> InboundResult:
    """Classify and apply one inbound message (the caller commits)."""
    found = classify(raw)
    enrollment, org_id = _match_inbound(uow, raw, found)
    if org_id is None:
        return InboundResult(found, None, None, applied=False)
    delay = _undated_absence_delay(uow, found, enrollment)
    if delay:
        found = replace(
            found,
            reason=f"{found.reason}; no return date: next step delayed {delay} days "
            "(template setting)",
        )
    message_id = message_from_bytes(raw, policy=policy.default).get("Message-ID")
    key = f"inbound:{message_id or hashlib.sha256(raw).hexdigest()}"
    event_type = {
        Kind.HUMAN_REPLY: EventType.REPLY,
        Kind.UNSUBSCRIBE_REQUEST: EventType.REPLY,
        Kind.BOUNCE_HARD: EventType.BOUNCE,
        Kind.BOUNCE_SOFT: EventType.BOUNCE,
    }.get(found.kind, EventType.AUTO_REPLY)
    lead = uow.session.get(Lead, enrollment.lead_id) if enrollment else None
    if lead is None and found.from_address:
        lead = _lead_by_email(
            uow,
            org_id,
            found.bounced_recipients[0] if found.bounced_recipients else found.from_address,
        )
    new = store_events(
        uow,
        [
            {
                "organization_id": org_id,
                "enrollment_id": enrollment.id if enrollment else None,
                "lead_id": lead.id if lead else None,
                "type": event_type.value,
                "occurred_at": found.received_at or now,
                "dedupe_key": key[:300],
                "classification": found.kind.value,
                "reason": found.reason,
                "raw": {
                    "subject": found.subject,
                    "from": found.from_address,
                    "snippet": found.snippet,
                    "source": source,
                    "return_date": found.return_date.isoformat() if found.return_date else None,
                },
            }
        ],
    )
    if not new:
        return InboundResult(found, org_id, enrollment.id if enrollment else None, applied=False)
    live = enrollment is not None and enrollment.status in LIVE_ENROLLMENT_STATUSES
    if found.kind == Kind.BOUNCE_HARD:
        for email in found.bounced_recipients or ((lead.email,) if lead else ()):
            bounced = _lead_by_email(uow, org_id, email)
            hard_bounces(
                uow, [Bounce(org_id, email, bounced.id if bounced else None, "bounce by mail")]
            )
    elif found.kind == Kind.BOUNCE_SOFT:
        email = (
            found.bounced_recipients[0]
            if found.bounced_recipients
            else (lead.email if lead else "")
        )
        soft_bounces(uow, [Bounce(org_id, email, lead.id if lead else None, "bounce by mail")], now)
    elif found.kind == Kind.UNSUBSCRIBE_REQUEST and lead is not None:
        suppress(
            uow, org_id, lead.email, SuppressionReason.UNSUBSCRIBE_REPLY, "reply asked to opt out"
        )
        stop_lead(uow, org_id, lead.id, EnrollmentStatus.UNSUBSCRIBED, "unsubscribe_reply")
    elif found.kind == Kind.HUMAN_REPLY and enrollment is not None and live:
        template = uow.session.get(SequenceTemplate, enrollment.template_id)
        settings = TemplateSettings.model_validate(template.settings if template else {})
        if settings.pause_on_reply:
            enrollment.status = EnrollmentStatus.PAUSED.value
            enrollment.paused_reason, enrollment.next_run_at = "replied", None
        if settings.stop_account_on_reply and lead is not None:
            _stop_account(uow, org_id, lead)
    elif found.left_company and lead is not None:
        lead.status, lead.status_reason = LeadStatus.LEFT_COMPANY.value, found.reason
        stop_lead(uow, org_id, lead.id, EnrollmentStatus.STOPPED, "left_company")
    elif found.kind == Kind.OUT_OF_OFFICE and found.return_date and enrollment is not None and live:
        back = datetime.combine(found.return_date, datetime.min.time(), tzinfo=UTC)
        _resume_after(uow, enrollment, back)
    elif delay and enrollment is not None:
        _hold(uow, enrollment, lambda _rules: now + timedelta(days=delay))
    uow.session.flush()
    return InboundResult(found, org_id, enrollment.id if enrollment else None, applied=True)


def tally(summary: FeedbackSummary, result: InboundResult) -> None:
    if not result.applied:
        summary.duplicates += result.organization_id is not None
        summary.unmatched += result.organization_id is None
        return
    summary.events += 1
    kind = result.classification.kind
    if result.classification.left_company:
        summary.left_company += 1
    elif kind == Kind.OUT_OF_OFFICE:
        summary.out_of_office += 1
    else:
        attribute = {
            Kind.HUMAN_REPLY: "replies",
            Kind.UNSUBSCRIBE_REQUEST: "unsubscribes",
            Kind.BOUNCE_HARD: "hard_bounces",
            Kind.BOUNCE_SOFT: "soft_bounces",
            Kind.AUTO_REPLY: "auto_replies",
        }[kind]
        setattr(summary, attribute, getattr(summary, attribute) + 1)


# --- entry points the tracking app calls ---------------------------------------------------------


def unsubscribe(uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID, source: str) -> bool:
    """Opt a lead out at once (idempotent); True when this call made the change."""
    lead = uow.session.get(Lead, lead_id)
    if lead is None or lead.organization_id != org_id:
        return False
    existing = uow.session.scalar(
        select(Suppression.id).where(
            Suppression.organization_id == org_id,
            func.lower(Suppression.email) == lead.email.lower(),
        )
    )
    suppress(uow, org_id, lead.email, SuppressionReason.UNSUBSCRIBE, source)
    stop_lead(uow, org_id, lead.id, EnrollmentStatus.UNSUBSCRIBED, "unsubscribe")
    store_events(
        uow,
        [
            {
                "organization_id": org_id,
                "lead_id": lead.id,
                "type": EventType.UNSUBSCRIBE.value,
                "occurred_at": datetime.now(UTC),
                "dedupe_key": f"unsubscribe:{org_id}:{lead.id}",
                "reason": source,
            }
        ],
    )
    uow.commit()
    return existing is None


def meeting_booked(
    uow: UnitOfWork, org_id: uuid.UUID, email: str, when: datetime, source: str
) -> int:
    """Record a booked meeting; pause the lead's live enrollments whose template asks to."""
    lead = _lead_by_email(uow, org_id, email)
    if lead is None:
        return 0
    new = store_events(
        uow,
        [
            {
                "organization_id": org_id,
                "lead_id": lead.id,
                "type": EventType.MEETING_BOOKED.value,
                "occurred_at": when,
                "dedupe_key": f"meeting:{org_id}:{lead.id}:{when.isoformat()}",
                "reason": source,
            }
        ],
    )
    paused = 0
    if new:
        for enrollment, template in uow.session.execute(
            select(SequenceEnrollment, SequenceTemplate)
            .join(SequenceTemplate)
            .where(
                SequenceEnrollment.lead_id == lead.id,
                SequenceEnrollment.status == EnrollmentStatus.ACTIVE.value,
            )
        ).all():
            if TemplateSettings.model_validate(template.settings).pause_on_meeting:
                enrollment.status, enrollment.paused_reason = "paused", "meeting_booked"
                enrollment.next_run_at = None
                paused += 1
    uow.commit()
    return paused
