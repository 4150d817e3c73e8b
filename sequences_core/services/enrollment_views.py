"""What the enrollment pages read: the leads a filter picks for enrolment, and a template's
enrollments with their lead, zone and last event, a page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import distinct_on

from sequences_core.db.models import Lead, Organization, SequenceEmailEvent, SequenceEnrollment
from sequences_core.db.pagination import contains_pattern
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import template_settings
from sequences_core.services.enrollments import MAX_BULK, list_enrollments
from sequences_core.services.templates import get_template


@dataclass(frozen=True)
class LeadFilter:
    """Leads to enrol: a search, a company, a custom field equal to a value, created since."""

    q: str | None = None
    company: str | None = None
    field_key: str | None = None
    field_value: str | None = None
    created_since: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (self.q or self.company or self.field_key or self.created_since)


def _lead_query(org_id: uuid.UUID, chosen: LeadFilter) -> Select[uuid.UUID]:
    query = select(Lead.id).where(Lead.organization_id == org_id)
    if chosen.q:
        pattern = contains_pattern(chosen.q)
        query = query.where(
            Lead.email.ilike(pattern)
            | Lead.first_name.ilike(pattern)
            | Lead.last_name.ilike(pattern)
            | Lead.company.ilike(pattern)
        )
    if chosen.company:
        query = query.where(Lead.company.ilike(chosen.company))
    if chosen.field_key:
        value = Lead.custom_fields[chosen.field_key].astext
        query = query.where(
            value == chosen.field_value if chosen.field_value else value.is_not(None)
        )
    if chosen.created_since:
        query = query.where(Lead.created_at >= chosen.created_since)
    return query


def select_leads(
    uow: UnitOfWork, org_id: uuid.UUID, chosen: LeadFilter
) -> tuple[list[uuid.UUID], bool]:
    """The ids of the matching leads, oldest first, at most MAX_BULK (True when there are more)."""
    query = _lead_query(org_id, chosen).order_by(Lead.created_at, Lead.id).limit(MAX_BULK + 1)
    ids = list(uow.session.scalars(query))
    return ids[:MAX_BULK], len(ids) > MAX_BULK


def leads_by_id(uow: UnitOfWork, org_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, Lead]:
    rows = uow.session.scalars(select(Lead).where(Lead.organization_id == org_id, Lead.id.in_(ids)))
    return {lead.id: lead for lead in rows}


@dataclass(frozen=True)
class EnrollmentRow:
    enrollment: SequenceEnrollment
    lead: Lead
    zone: str  # the lead's sending zone (its own, else the template's, else the org's)
    last_event: SequenceEmailEvent | None


@dataclass(frozen=True)
class EnrollmentList:
    rows: list[EnrollmentRow]
    next_cursor: str | None


def _last_events(
    uow: UnitOfWork, org_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, SequenceEmailEvent]:
    """The newest event of each enrollment (one statement for the page)."""
    rows = uow.session.scalars(
        select(SequenceEmailEvent)
        .where(
            SequenceEmailEvent.organization_id == org_id,
            SequenceEmailEvent.enrollment_id.in_(ids),
        )
        .ext(distinct_on(SequenceEmailEvent.enrollment_id))
        .order_by(SequenceEmailEvent.enrollment_id, SequenceEmailEvent.occurred_at.desc())
    )
    return {event.enrollment_id: event for event in rows if event.enrollment_id}


def template_enrollments(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    *,
    status: str | None = None,
    paused_reason: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> EnrollmentList:
    """A page of a template's enrollments, newest first, with what the page shows of each."""
    template = get_template(uow, org_id, template_id, include_deleted=True)
    page = list_enrollments(
        uow, org_id, template_id=template.id, status=status, paused_reason=paused_reason,
        limit=limit, cursor=cursor,
    )  # fmt: skip
    org = uow.session.get(Organization, org_id)
    fallback = template_settings(template.settings).timezone or (org.timezone if org else "UTC")
    ids = [e.id for e in page.items]
    leads = leads_by_id(uow, org_id, [e.lead_id for e in page.items])
    events = _last_events(uow, org_id, ids)
    rows = [
        EnrollmentRow(e, leads[e.lead_id], leads[e.lead_id].timezone or fallback, events.get(e.id))
        for e in page.items
    ]
    return EnrollmentList(rows, page.next_cursor)
