"""The enrollment dry run: before confirming, how many of the chosen leads would be enrolled
and why each other one would not, from the same checks `bulk_enroll` applies (its SQL rules,
through `skip_reasons`), plus what the bulk insert cannot see: a variable of the steps a lead
lacks (the engine would pause it there). Then the enrolment itself, as planned: started at a
chosen wall time in each lead's zone or one zone, leads missing a variable left out if asked.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sequences_core.db.models import Lead, Organization, SequenceStep
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput
from sequences_core.rules.enroll_check import EmailStep, LeadValues, missing_by_lead
from sequences_core.schemas import template_settings
from sequences_core.services.enrollments import (
    MAX_BULK,
    BulkEnrollResult,
    bulk_enroll,
    ready_template,
    skip_reasons,
    unique_ids,
)
from sequences_core.services.templates import get_template

MISSING = "missing_variable"


@dataclass
class EnrollmentPlan:
    template_id: uuid.UUID
    enrolled: list[uuid.UUID] = field(default_factory=list)  # would be enrolled
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (lead, reason) as bulk_enroll
    missing: dict[uuid.UUID, str] = field(default_factory=dict)  # enrolled, then paused there
    zones: dict[uuid.UUID, str] = field(default_factory=dict)  # each lead's sending zone

    def reasons(self) -> Counter[str]:
        """Skip reasons with their counts, most common first."""
        return Counter(reason for _, reason in self.skipped)

    def missing_reasons(self) -> Counter[str]:
        return Counter(self.missing.values())


@dataclass(frozen=True)
class Start:
    """When enrollments start: now (`at` None), or a wall time in one zone, or in each lead's
    own zone (`zone` None)."""

    at: datetime | None = None
    zone: str | None = None

    def utc_in(self, lead_zone: str) -> datetime | None:
        if self.at is None:
            return None
        return self.at.replace(tzinfo=ZoneInfo(self.zone or lead_zone))


def _email_steps(uow: UnitOfWork, template_id: uuid.UUID) -> list[EmailStep]:
    rows = uow.session.scalars(
        select(SequenceStep)
        .where(SequenceStep.template_id == template_id, SequenceStep.type == "email")
        .order_by(SequenceStep.position)
    )
    return [EmailStep(s.id, s.version, s.position, s.config) for s in rows]


def _leads(uow: UnitOfWork, org_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Lead]:
    """As stored now: leads upserted in bulk (raw SQL) may be stale in the session."""
    query = select(Lead).where(Lead.organization_id == org_id, Lead.id.in_(ids))
    return list(uow.session.scalars(query.execution_options(populate_existing=True)))


def _default_zone(uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID) -> str:
    """The zone of a lead without one: the template's, else the organization's."""
    template = get_template(uow, org_id, template_id)
    org = uow.session.get(Organization, org_id)
    return template_settings(template.settings).timezone or (org.timezone if org else "UTC")


def plan_enrollment(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    lead_ids: Sequence[uuid.UUID | str],
) -> EnrollmentPlan:
    """What `bulk_enroll` would do with these leads now, writing nothing."""
    if len(lead_ids) > MAX_BULK:
        raise InvalidInput("Too many leads", {"lead_ids": f"at most {MAX_BULK} per call"})
    template = ready_template(uow, org_id, template_id)
    plan = EnrollmentPlan(template)
    unique = unique_ids(lead_ids, plan.skipped)
    for lead_id, reason in skip_reasons(uow, org_id, template, unique).items():
        if reason is None:
            plan.enrolled.append(lead_id)
        else:
            plan.skipped.append((str(lead_id), reason))
    fallback = _default_zone(uow, org_id, template)
    leads = _leads(uow, org_id, plan.enrolled)
    plan.zones = {lead.id: lead.timezone or fallback for lead in leads}
    values = (
        (lead.id, LeadValues(
            {"first_name": lead.first_name, "last_name": lead.last_name,
             "company": lead.company, "title": lead.title, "email": lead.email},
            lead.custom_fields,
        ))
        for lead in leads
    )  # fmt: skip
    plan.missing = missing_by_lead(_email_steps(uow, template), values)
    return plan


def enroll_as_planned(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    lead_ids: Sequence[uuid.UUID | str],
    *,
    start: Start | None = None,
    leave_out_missing: bool = False,
    mailbox_id: uuid.UUID | str | None = None,
) -> BulkEnrollResult:
    """Enrol through `bulk_enroll` (its checks decide again, at insert time), one call per
    start time; leads lacking a variable are left out first when asked, reported as skipped."""
    start = start or Start()
    plan = plan_enrollment(uow, org_id, template_id, lead_ids)
    left_out = plan.missing if leave_out_missing else {}
    groups: dict[datetime | None, list[uuid.UUID | str]] = {}
    repeats: list[tuple[str, str]] = []  # a left-out lead given twice: the plan's duplicate
    dropped: set[uuid.UUID] = set()
    for lead in lead_ids:
        ident = lead if isinstance(lead, uuid.UUID) else _maybe_uuid(lead)
        if ident is not None and ident in left_out:
            if ident in dropped:
                repeats.append((str(ident), "duplicate_in_request"))
            dropped.add(ident)
            continue
        zone = plan.zones.get(ident) if ident else None
        groups.setdefault(start.utc_in(zone or "UTC"), []).append(lead)
    result = BulkEnrollResult()
    for start_at, members in groups.items():
        part = bulk_enroll(
            uow, org_id, plan.template_id, members, mailbox_id=mailbox_id, start_at=start_at
        )
        result.pairs += part.pairs
        result.skipped += part.skipped
    result.skipped += [(str(lead), reason) for lead, reason in left_out.items()] + repeats
    return result


def _maybe_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
