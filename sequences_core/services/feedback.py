"""Applying feedback: bounces, complaints, replies, out-of-office, opt-outs, meetings.

Every event is stored with a unique dedupe key first; only an event that was new
changes any state, so a re-delivered SQS message or a re-read S3 object is a no-op.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import getaddresses
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.db.models import (
    Lead,
    Mailbox,
    Organization,
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
    SequenceTemplate,
    Suppression,
    table_of,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import (
    LIVE_ENROLLMENT_STATUSES,
    EnrollmentStatus,
    EventType,
    ExecutionStatus,
    LeadStatus,
    SuppressionReason,
)
from sequences_core.feedback.classify import Classification, Kind, classify
from sequences_core.feedback.ses_events import SesEvent
from sequences_core.schedule import next_allowed_instant
from sequences_core.schemas import TemplateSettings

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


# --- shared state changes -------------------------------------------------------------------


def _store_events(uow: UnitOfWork, rows: list[dict[str, Any]]) -> set[str]:
    """Insert events; return the dedupe keys that were new."""
    if not rows:
        return set()
    defaults = {
        "enrollment_id": None,
        "execution_id": None,
        "lead_id": None,
        "url": None,
        "ip": None,
        "user_agent": None,
        "classification": None,
        "reason": None,
        "raw": None,
        "bot": False,
    }
    statement = (
        pg_insert(table_of(SequenceEmailEvent))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table_of(SequenceEmailEvent).c.dedupe_key)
    )
    new: set[str] = set()
    for start in range(0, len(rows), 1000):
        chunk = [{**defaults, **row} for row in rows[start : start + 1000]]
        new |= set(uow.session.scalars(statement, chunk))
    return new


def suppress(
    uow: UnitOfWork, org_id: uuid.UUID, email: str, reason: SuppressionReason, source: str
) -> None:
    uow.session.execute(
        pg_insert(table_of(Suppression))
        .values(organization_id=org_id, email=email.lower(), reason=reason.value, source=source)
        .on_conflict_do_nothing()
    )


def stop_lead(
    uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID, status: EnrollmentStatus, reason: str
) -> int:
    """End every live enrollment of a lead in the org (an opt-out covers all sequences)."""
    result = uow.session.execute(
        update(SequenceEnrollment)
        .where(
            SequenceEnrollment.organization_id == org_id,
            SequenceEnrollment.lead_id == lead_id,
            SequenceEnrollment.status.in_(LIVE_ENROLLMENT_STATUSES),
        )
        .values(status=status.value, stopped_reason=reason, next_run_at=None)
        # "fetch": refresh only the rows changed, not a Python evaluation of the WHERE
        # against every object the batch loaded (most of an event batch's time).
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _lead_by_email(uow: UnitOfWork, org_id: uuid.UUID, email: str) -> Lead | None:
    return uow.session.scalars(
        select(Lead).where(Lead.organization_id == org_id, func.lower(Lead.email) == email.lower())
    ).first()


def _hard_bounce(
    uow: UnitOfWork, org_id: uuid.UUID, lead: Lead | None, email: str, source: str
) -> None:
    suppress(uow, org_id, email, SuppressionReason.HARD_BOUNCE, source)
    if lead is not None:
        stop_lead(uow, org_id, lead.id, EnrollmentStatus.BOUNCED, f"hard bounce: {source}")


def _soft_bounce(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    lead: Lead | None,
    email: str,
    execution: SequenceStepExecution | None,
    now: datetime,
    source: str,
) -> bool:
    """Count it; the third in a week is treated as hard. Otherwise retry the step later."""
    if lead is not None:
        recent = uow.session.scalar(
            select(func.count()).where(
                SequenceEmailEvent.organization_id == org_id,
                SequenceEmailEvent.lead_id == lead.id,
                SequenceEmailEvent.classification == Kind.BOUNCE_SOFT.value,
                SequenceEmailEvent.occurred_at >= now - SOFT_BOUNCE_WINDOW,
            )
        )
        if (recent or 0) >= SOFT_BOUNCES_AS_HARD:
            _hard_bounce(uow, org_id, lead, email, f"{SOFT_BOUNCES_AS_HARD} soft bounces in 7 days")
            return True
    if execution is not None and execution.status == ExecutionStatus.SENT:
        # The mail did not arrive: the step goes again at the next window, as a new attempt.
        execution.status = ExecutionStatus.FAILED.value
        execution.error = f"soft bounce: {source}"
        uow.session.execute(
            update(SequenceEnrollment)
            .where(
                SequenceEnrollment.id == execution.enrollment_id,
                SequenceEnrollment.status == EnrollmentStatus.ACTIVE.value,
                SequenceEnrollment.current_step > execution.step_position,
                ~exists().where(  # nothing later went out since: only then go back
                    SequenceStepExecution.enrollment_id == execution.enrollment_id,
                    SequenceStepExecution.step_position > execution.step_position,
                ),
            )
            .values(current_step=execution.step_position, next_run_at=now)
        )
    return False


# --- SES events ------------------------------------------------------------------------------


_EVENT_TYPE = {
    "Send": EventType.SENT,
    "Delivery": EventType.DELIVERED,
    "Bounce": EventType.BOUNCE,
    "Complaint": EventType.COMPLAINT,
    "Open": EventType.OPEN,
    "Click": EventType.CLICK,
}


def apply_ses_events(uow: UnitOfWork, events: Sequence[SesEvent], now: datetime) -> FeedbackSummary:
    """Apply a batch of SES events in one transaction (the caller commits)."""
    summary = FeedbackSummary()
    by_execution = {e.execution_id for e in events if e.execution_id}
    by_message = {e.message_id for e in events}
    executions = list(
        uow.session.scalars(
            select(SequenceStepExecution).where(
                or_(
                    SequenceStepExecution.id.in_(by_execution),
                    SequenceStepExecution.provider_message_id.in_(by_message),
                )
            )
        )
    )
    exec_by_id = {x.id: x for x in executions}
    exec_by_message = {x.provider_message_id: x for x in executions if x.provider_message_id}
    enrollment_ids = {x.enrollment_id for x in executions}
    enrollments = {
        e.id: e
        for e in uow.session.scalars(
            select(SequenceEnrollment).where(SequenceEnrollment.id.in_(enrollment_ids))
        )
    }
    leads = {
        lead.id: lead
        for lead in uow.session.scalars(
            select(Lead).where(Lead.id.in_({e.lead_id for e in enrollments.values()}))
        )
    }
    matched: list[tuple[SesEvent, SequenceStepExecution]] = []
    rows: list[dict[str, Any]] = []
    for event in events:
        execution = exec_by_id.get(event.execution_id) if event.execution_id else None
        execution = execution or exec_by_message.get(event.message_id)
        if execution is None:
            summary.unmatched += 1
            continue
        matched.append((event, execution))
        kind = _EVENT_TYPE.get(event.kind)
        if kind is None:
            continue  # Reject, DeliveryDelay, Rendering Failure change state but are not events
        enrollment = enrollments[execution.enrollment_id]
        classification = None
        if event.kind == "Bounce":
            classification = Kind.BOUNCE_HARD if event.hard_bounce else Kind.BOUNCE_SOFT
        rows.append(
            {
                "organization_id": execution.organization_id,
                "enrollment_id": enrollment.id,
                "execution_id": execution.id,
                "lead_id": enrollment.lead_id,
                "type": kind.value,
                "occurred_at": event.occurred_at,
                "url": event.url,
                "ip": event.ip,
                "user_agent": event.user_agent,
                "dedupe_key": event.dedupe_key,
                "classification": classification.value if classification else None,
                "reason": event.detail,
                "raw": event.raw,
            }
        )
    new = _store_events(uow, rows)
    for event, execution in matched:
        if event.dedupe_key not in new and event.kind in _EVENT_TYPE:
            summary.duplicates += 1
            continue
        summary.events += 1
        enrollment = enrollments[execution.enrollment_id]
        lead = leads.get(enrollment.lead_id)
        email = (event.recipients[0] if event.recipients else (lead.email if lead else "")).lower()
        org = execution.organization_id
        if event.kind == "Send" and execution.status in (
            ExecutionStatus.SENDING,
            ExecutionStatus.UNKNOWN,
        ):
            execution.status = ExecutionStatus.SENT.value  # settles a crash-interrupted send
            execution.provider_message_id = event.message_id
            if enrollment.paused_reason == "delivery_unknown":
                enrollment.status, enrollment.paused_reason = EnrollmentStatus.ACTIVE.value, None
                enrollment.next_run_at = now
        elif event.kind == "Bounce" and event.hard_bounce:
            summary.hard_bounces += 1
            _hard_bounce(uow, org, lead, email, f"SES {event.bounce_subtype or 'Permanent'}")
        elif event.kind == "Bounce":
            summary.soft_bounces += 1
            if _soft_bounce(uow, org, lead, email, execution, now, f"SES {event.bounce_subtype}"):
                summary.hard_bounces += 1
        elif event.kind == "Complaint":
            summary.complaints += 1
            suppress(uow, org, email, SuppressionReason.COMPLAINT, "SES complaint")
            if lead is not None:
                stop_lead(uow, org, lead.id, EnrollmentStatus.UNSUBSCRIBED, "complaint")
        elif event.kind in ("Reject", "Rendering Failure"):
            execution.status = ExecutionStatus.FAILED.value
            execution.error = f"{event.kind}: {event.detail}"
            if enrollment.status == EnrollmentStatus.ACTIVE:
                enrollment.status = EnrollmentStatus.PAUSED.value
                enrollment.paused_reason = f"{event.kind.lower()}: {event.detail}"
    uow.session.flush()
    return summary


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


def _resume_after(uow: UnitOfWork, enrollment: SequenceEnrollment, back: datetime) -> None:
    """Hold an out-of-office lead until the first send window after the day they return."""
    from sequences_core.services.dispatch import send_rules

    template = uow.session.get(SequenceTemplate, enrollment.template_id)
    lead = uow.session.get(Lead, enrollment.lead_id)
    org = uow.session.get(Organization, enrollment.organization_id)
    assert template is not None and lead is not None and org is not None
    rules = send_rules(TemplateSettings.model_validate(template.settings), lead, org)
    local_next_day = datetime.combine(
        back.date() + timedelta(days=1), datetime.min.time(), tzinfo=rules.zone
    )
    resume = next_allowed_instant(local_next_day, rules)
    if enrollment.next_run_at is None or enrollment.next_run_at < resume:
        enrollment.next_run_at = resume


def apply_inbound(uow: UnitOfWork, raw: bytes, now: datetime, source: str) -> InboundResult:
    """Classify and apply one inbound message (the caller commits)."""
    found = classify(raw)
    enrollment, org_id = _match_inbound(uow, raw, found)
    if org_id is None:
        return InboundResult(found, None, None, applied=False)
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
    new = _store_events(
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
            _hard_bounce(uow, org_id, _lead_by_email(uow, org_id, email), email, "bounce by mail")
    elif found.kind == Kind.BOUNCE_SOFT:
        email = (
            found.bounced_recipients[0]
            if found.bounced_recipients
            else (lead.email if lead else "")
        )
        _soft_bounce(uow, org_id, lead, email, None, now, "bounce by mail")
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
    _store_events(
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
    new = _store_events(
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
