"""Enrolling leads in templates, one or many, with a reason for every lead left out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, cast

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from sequences_core.clock import utcnow
from sequences_core.db.bulk import uuid_array
from sequences_core.db.models import Mailbox, SequenceEnrollment, SequenceStep
from sequences_core.db.pagination import Page, contains_pattern, paginate
from sequences_core.db.repository import as_uuid, get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import LIVE_ENROLLMENT_STATUSES, EnrollmentStatus
from sequences_core.errors import Conflict, InvalidInput
from sequences_core.schemas import check_start_at
from sequences_core.services.leads import get_lead
from sequences_core.services.templates import get_template

MAX_BULK = 100_000
_LIVE_UNIQUE = "uq_sequence_enrollments_live_lead_template"
_ATTEMPTS = 5

# The rules that decide whether lead `l` can be enrolled in :template, each written once and
# used by both statements below (and the dry run in enrollment_plan.py, through SKIP_REASONS).
_SUPPRESSED = """EXISTS (SELECT 1 FROM suppressions s
                WHERE s.organization_id = :org AND lower(s.email) = lower(l.email))"""
_ACTIVE = "l.status = 'active'"
_LIVE_HERE = """EXISTS (SELECT 1 FROM sequence_enrollments e
                WHERE e.lead_id = l.id AND e.template_id = :template
                  AND e.status IN ('active', 'paused'))"""

# One statement enrols every lead that can be: found in this org, active, not suppressed,
# not already live in this template. The leads are chosen in an InitPlan, which runs to the
# end before the first row is inserted: as a join feeding the insert row by row, a planner
# that believed the table empty (just vacuumed, say) probed it with a sequential scan per
# lead, over the very rows the statement was adding, and 100,000 leads took minutes.
_BULK_ENROLL = text(f"""
INSERT INTO sequence_enrollments (organization_id, lead_id, template_id, mailbox_id, next_run_at)
SELECT :org, lead_id, :template, :mailbox, :start
FROM unnest((
    SELECT array_agg(l.id)
    FROM unnest(CAST(:lead_ids AS uuid[])) AS i(lead_id)
    JOIN leads l ON l.id = i.lead_id AND l.organization_id = :org
    WHERE {_ACTIVE} AND NOT {_SUPPRESSED} AND NOT {_LIVE_HERE}
)) AS lead_id
RETURNING CAST(lead_id AS text), CAST(id AS text)
""")

# Why each lead would be left out, NULL for one the insert takes (bulk_enroll asks only
# about the leads it left out, usually none; the dry run asks about all).
SKIP_REASONS = text(f"""
SELECT i.lead_id,
    CASE WHEN l.id IS NULL THEN 'lead_not_found'
         WHEN {_SUPPRESSED} THEN 'suppressed'
         WHEN NOT {_ACTIVE} THEN 'lead_' || l.status
         WHEN {_LIVE_HERE} THEN 'already_enrolled' END
FROM unnest(CAST(:lead_ids AS uuid[])) AS i(lead_id)
LEFT JOIN leads l ON l.id = i.lead_id AND l.organization_id = :org
""")


@dataclass
class BulkEnrollResult:
    """`pairs` are (lead, enrollment) ids as PostgreSQL writes them: reading 200,000 UUIDs as
    `uuid.UUID` took a third of a second, and most callers want only the count."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (lead id as given, reason)

    @property
    def count(self) -> int:
        return len(self.pairs)

    @cached_property
    def enrolled(self) -> dict[uuid.UUID, uuid.UUID]:  # lead → enrollment
        return {uuid.UUID(lead): uuid.UUID(enrollment) for lead, enrollment in self.pairs}


def skip_reasons(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID, lead_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Lead → why the bulk insert leaves it out (None: it would be enrolled)."""
    params = {"lead_ids": uuid_array(lead_ids), "org": org_id, "template": template_id}
    return {lead: reason for lead, reason in uow.session.execute(SKIP_REASONS, params)}


def ready_template(uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str) -> uuid.UUID:
    template = get_template(uow, org_id, template_id)
    steps = uow.session.scalar(select(func.count()).where(SequenceStep.template_id == template.id))
    if not steps:
        raise Conflict("template has no steps yet; add steps before enrolling leads")
    return template.id


def _mailbox(
    uow: UnitOfWork, org_id: uuid.UUID, mailbox_id: uuid.UUID | str | None
) -> uuid.UUID | None:
    if mailbox_id is None:
        return None
    return get_owned(uow.session, Mailbox, org_id, mailbox_id, what="mailbox").id


def _insert(uow: UnitOfWork, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Run `_BULK_ENROLL`. A concurrent enrol of one of the leads makes it fail on the
    live-enrollment index; run again, it sees that enrollment and leaves the lead out.
    (ON CONFLICT DO NOTHING does the same, at a quarter of the statement's time.)"""
    attempt = 1
    while True:
        try:
            with uow.session.begin_nested():
                rows = uow.session.execute(_BULK_ENROLL, params).all()
                return cast(list[tuple[str, str]], rows)  # (lead, enrollment)
        except IntegrityError as error:
            constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
            if constraint != _LIVE_UNIQUE or attempt == _ATTEMPTS:
                raise
            attempt += 1


def unique_ids(
    lead_ids: Sequence[uuid.UUID | str], skipped: list[tuple[str, str]]
) -> list[uuid.UUID]:
    """The ids in first-seen order; an unreadable or repeated one is skipped with its reason."""
    given = list(dict.fromkeys(lead_ids))
    if len(given) == len(lead_ids) and all(type(ident) is uuid.UUID for ident in given):
        return cast(list[uuid.UUID], given)  # the usual case, decided in C: ~40 ms for 100,000
    unique: list[uuid.UUID] = []
    seen: set[uuid.UUID] = set()
    for raw in lead_ids:
        try:
            ident = as_uuid(raw, "lead_ids")
        except InvalidInput:
            skipped.append((str(raw), "invalid_id"))
            continue
        if ident in seen:
            skipped.append((str(ident), "duplicate_in_request"))
            continue
        seen.add(ident)
        unique.append(ident)
    return unique


def bulk_enroll(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    lead_ids: Sequence[uuid.UUID | str],
    *,
    mailbox_id: uuid.UUID | str | None = None,
    start_at: datetime | None = None,
) -> BulkEnrollResult:
    if len(lead_ids) > MAX_BULK:
        raise InvalidInput("Too many leads", {"lead_ids": f"at most {MAX_BULK} per call"})
    now = utcnow()
    if start_at is not None:
        try:
            check_start_at(start_at, now)
        except ValueError as err:
            raise InvalidInput("The start is too far ahead", {"start_at": str(err)}) from None
    template = ready_template(uow, org_id, template_id)
    mailbox = _mailbox(uow, org_id, mailbox_id)
    result = BulkEnrollResult()
    unique = unique_ids(lead_ids, result.skipped)
    params = {
        "org": org_id,
        "template": template,
        "mailbox": mailbox,
        "start": start_at or now,
    }
    result.pairs = _insert(uow, {"lead_ids": uuid_array(unique), **params})
    if result.count < len(unique):  # usually all went in: no 100,000 lookups
        enrolled = {lead for lead, _ in result.pairs}
        left_out = [ident for ident in unique if str(ident) not in enrolled]
        reasons = skip_reasons(uow, org_id, template, left_out)
        result.skipped.extend(
            (str(ident), reasons[ident] or "already_enrolled") for ident in left_out
        )
    uow.commit()
    return result


def enroll_lead(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    lead_id: uuid.UUID | str,
    *,
    mailbox_id: uuid.UUID | str | None = None,
    start_at: datetime | None = None,
) -> SequenceEnrollment:
    """Enrol one lead; a lead that cannot be enrolled is a 409 naming why (404 if unknown)."""
    lead = get_lead(uow, org_id, lead_id)
    result = bulk_enroll(
        uow, org_id, template_id, [lead.id], mailbox_id=mailbox_id, start_at=start_at
    )
    if not result.enrolled:
        reason = result.skipped[0][1]
        raise Conflict(f"lead not enrolled: {reason}", {"lead_id": reason})
    return get_owned(
        uow.session, SequenceEnrollment, org_id, result.enrolled[lead.id], what="enrollment"
    )


def list_enrollments(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    lead_id: uuid.UUID | str | None = None,
    template_id: uuid.UUID | str | None = None,
    status: str | None = None,
    paused_reason: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[SequenceEnrollment]:
    """`paused_reason` matches as a prefix, so `missing_variable` finds every such pause."""
    query = select(SequenceEnrollment).where(SequenceEnrollment.organization_id == org_id)
    if lead_id is not None:
        query = query.where(SequenceEnrollment.lead_id == as_uuid(lead_id, "lead_id"))
    if template_id is not None:
        query = query.where(SequenceEnrollment.template_id == as_uuid(template_id, "template_id"))
    if status:
        query = query.where(SequenceEnrollment.status == status)
    if paused_reason:
        escaped = contains_pattern(paused_reason)[1:]  # anchored at the start
        query = query.where(SequenceEnrollment.paused_reason.like(escaped))
    return paginate(uow.session, query, SequenceEnrollment, limit, cursor, created="enrolled_at")


class StatusAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


def set_enrollment_status(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    enrollment_id: uuid.UUID | str,
    action: StatusAction,
    reason: str | None = None,
) -> SequenceEnrollment:
    """Pause, resume or stop by hand; a move the enrollment cannot make is a 409."""
    enrollment = get_owned(
        uow.session, SequenceEnrollment, org_id, enrollment_id, what="enrollment", for_update=True
    )
    current = EnrollmentStatus(enrollment.status)
    if action == StatusAction.PAUSE and current == EnrollmentStatus.ACTIVE:
        enrollment.status, enrollment.next_run_at = EnrollmentStatus.PAUSED.value, None
        enrollment.paused_reason = reason or "manual"
    elif action == StatusAction.RESUME and current == EnrollmentStatus.PAUSED:
        enrollment.status, enrollment.paused_reason = EnrollmentStatus.ACTIVE.value, None
        enrollment.next_run_at = utcnow()  # the dispatcher finds its window from here
    elif action == StatusAction.STOP and current in LIVE_ENROLLMENT_STATUSES:
        enrollment.status, enrollment.next_run_at = EnrollmentStatus.STOPPED.value, None
        enrollment.stopped_reason = reason or "manual"
    elif not (action == StatusAction.PAUSE and current == EnrollmentStatus.PAUSED):
        raise Conflict(
            f"cannot {action.value} an enrollment that is {current.value}",
            {"action": f"not allowed from {current.value}"},
        )
    uow.session.flush()
    uow.commit()
    return enrollment
