"""The API's wire shapes: query strings, bodies and answers (inputs reuse the core's schemas).

Answers are built by validating what a service returned against these models, so the
OpenAPI document's response schemas are exactly what goes out.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from sequences_core.email_address import Email
from sequences_core.enums import (
    EnrollmentStatus,
    EventType,
    LeadStatus,
    StepType,
    SuppressionReason,
    TaskStatus,
    TemplateCategory,
)
from sequences_core.schemas import LeadIn
from sequences_core.services.dispatch import CycleSummary
from sequences_core.services.enrollments import StatusAction
from sequences_core.services.feedback import FeedbackSummary
from sequences_core.services.metrics import Metrics

MAX_BULK_API = 10_000


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    """Unknown query parameters are ignored (cache-busters, tracking tags)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)


class ErrorDetail(Out):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class ErrorResponse(Out):
    error: ErrorDetail


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=500)] | None = None


# --- metrics -----------------------------------------------------------------------------


class MetricsQuery(Query):
    since: AwareDatetime | None = Field(default=None, alias="from")
    until: AwareDatetime | None = Field(default=None, alias="to")
    template_id: uuid.UUID | None = None


class TemplateMetricsOut(Out):
    template_id: uuid.UUID
    name: str
    metrics: Metrics


class MetricsReportOut(Out):
    overall: Metrics
    templates: list[TemplateMetricsOut]


# --- templates and steps -----------------------------------------------------------------


class TemplateListQuery(PageQuery):
    category: TemplateCategory | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
    include_deleted: bool = False


class TemplateOut(Out):
    id: uuid.UUID
    name: str
    description: str | None
    category: TemplateCategory
    settings: dict[str, Any]
    metrics: Metrics
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class TemplatePage(Out):
    items: list[TemplateOut]
    next_cursor: str | None


class TemplateDeletedOut(Out):
    id: uuid.UUID
    deleted: Literal[True] = True
    stopped_enrollments: int


class StepsQuery(Query):
    template_id: uuid.UUID


class StepCreate(In):
    template_id: uuid.UUID
    type: StepType
    config: dict[str, Any] = Field(default_factory=dict)
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None


class StepUpdate(In):
    type: StepType | None = None
    config: dict[str, Any]


class StepReorder(In):
    template_id: uuid.UUID
    step_ids: Annotated[list[uuid.UUID], Field(max_length=1000)]


class StepOut(Out):
    id: uuid.UUID
    template_id: uuid.UUID
    position: int
    type: StepType
    config: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class StepList(Out):
    items: list[StepOut]


class Deleted(Out):
    id: uuid.UUID
    deleted: Literal[True] = True


# --- enrollments and execution -----------------------------------------------------------


class EnrollmentCreate(In):
    template_id: uuid.UUID
    lead_id: uuid.UUID
    mailbox_id: uuid.UUID | None = None
    start_at: AwareDatetime | None = None


class BulkEnrollment(In):
    """Give `lead_ids` of existing leads, or `leads` to upsert by email and enrol, or both."""

    template_id: uuid.UUID
    lead_ids: Annotated[
        list[Annotated[str, Field(max_length=100)]], Field(max_length=MAX_BULK_API)
    ] = Field(default_factory=list)
    leads: Annotated[list[LeadIn], Field(max_length=MAX_BULK_API)] = Field(default_factory=list)
    mailbox_id: uuid.UUID | None = None
    start_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _some_leads(self) -> BulkEnrollment:
        if not self.lead_ids and not self.leads:
            raise ValueError("give lead_ids or leads")
        if len(self.lead_ids) + len(self.leads) > MAX_BULK_API:
            raise ValueError(f"at most {MAX_BULK_API} leads per call")
        return self


class EnrolledOut(Out):
    lead_id: uuid.UUID
    enrollment_id: uuid.UUID


class SkippedOut(Out):
    lead: str
    reason: str


class BulkEnrollmentOut(Out):
    enrolled: int
    skipped: int
    leads_created: int
    enrollments: list[EnrolledOut]
    skips: list[SkippedOut]


class StatusChange(In):
    action: StatusAction
    reason: Annotated[str, Field(max_length=500)] | None = None


class EnrollmentQuery(PageQuery):
    lead_id: uuid.UUID | None = None
    template_id: uuid.UUID | None = None
    status: EnrollmentStatus | None = None
    paused_reason: Annotated[str, Field(max_length=200)] | None = None


class EnrollmentOut(Out):
    id: uuid.UUID
    lead_id: uuid.UUID
    template_id: uuid.UUID
    mailbox_id: uuid.UUID | None
    status: EnrollmentStatus
    current_step: int
    next_run_at: datetime | None
    last_step_at: datetime | None
    paused_reason: str | None
    stopped_reason: str | None
    enrolled_at: datetime
    completed_at: datetime | None


class EnrollmentPage(Out):
    items: list[EnrollmentOut]
    next_cursor: str | None


class ExecuteBody(In):
    enrollment_id: uuid.UUID | None = None


class ExecuteOut(Out):
    scope: Literal["organization", "enrollment"]
    summary: CycleSummary
    feedback: FeedbackSummary


# --- events ----------------------------------------------------------------------------


class EventQuery(Query):
    lead_id: uuid.UUID | None = None
    enrollment_id: uuid.UUID | None = None
    type: EventType | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    before_id: Annotated[int, Field(ge=1)] | None = None


class EventOut(Out):
    id: int
    type: EventType
    occurred_at: datetime
    lead_id: uuid.UUID | None
    enrollment_id: uuid.UUID | None
    execution_id: uuid.UUID | None
    classification: str | None
    reason: str | None
    url: str | None
    link_index: int | None
    device: str | None
    client: str | None
    geo: dict[str, Any] | None
    bot: bool


class EventPage(Out):
    items: list[EventOut]
    next_before_id: int | None


# --- leads -----------------------------------------------------------------------------------


class LeadQuery(PageQuery):
    q: Annotated[str, Field(max_length=200)] | None = None
    status: LeadStatus | None = None


class LeadOut(Out):
    id: uuid.UUID
    email: str
    first_name: str | None
    last_name: str | None
    company: str | None
    title: str | None
    timezone: str | None
    country: str | None
    status: LeadStatus
    status_reason: str | None
    custom_fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class LeadPage(Out):
    items: list[LeadOut]
    next_cursor: str | None


class LeadSaved(LeadOut):
    created: bool


class ImportQuery(Query):
    encoding: Annotated[str, Field(max_length=40)] = "utf-8"


class RowErrorOut(Out):
    line: int
    field: str
    message: str


class ImportOut(Out):
    rows: int
    created: int
    updated: int
    errors: list[RowErrorOut]


# --- mailboxes, suppressions, tasks ------------------------------------------------------


class MailboxOut(Out):
    id: uuid.UUID
    from_email: str
    from_name: str | None
    reply_to: str | None
    daily_limit: int
    timezone: str
    status: str
    paused_reason: str | None
    created_at: datetime


class MailboxList(Out):
    items: list[MailboxOut]


class SuppressionQuery(PageQuery):
    q: Annotated[str, Field(max_length=320)] | None = None
    reason: SuppressionReason | None = None


class SuppressionCreate(In):
    email: Email
    source: Annotated[str, Field(max_length=200)] | None = None


class SuppressionOut(Out):
    id: uuid.UUID
    email: str
    reason: SuppressionReason
    source: str | None
    created_at: datetime


class SuppressionPage(Out):
    items: list[SuppressionOut]
    next_cursor: str | None


class SuppressionCreated(SuppressionOut):
    stopped_enrollments: int


class TaskQuery(PageQuery):
    status: TaskStatus | None = None
    assignee: Annotated[str, Field(max_length=320)] | None = None


class TaskUpdate(In):
    status: TaskStatus


class TaskOut(Out):
    id: uuid.UUID
    enrollment_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    step_id: uuid.UUID | None
    title: str
    description: str | None
    assignee: str | None
    due_at: datetime | None
    status: TaskStatus
    completed_at: datetime | None
    created_at: datetime


class TaskPage(Out):
    items: list[TaskOut]
    next_cursor: str | None


# --- preview and test send ---------------------------------------------------------------


class PreviewQuery(Query):
    lead_id: uuid.UUID


class PreviewHeaders(Out):
    from_: str = Field(alias="from")
    to: str
    reply_to: str | None
    subject: str
    message_id: str
    in_reply_to: str | None
    list_unsubscribe: str
    list_unsubscribe_post: str


class PreviewEmail(Out):
    step_id: uuid.UUID
    position: int
    subject: str | None
    html: str | None
    text: str | None
    headers: PreviewHeaders | None
    error: str | None


class PreviewOut(Out):
    template_id: uuid.UUID
    lead_id: uuid.UUID
    emails: list[PreviewEmail]


class TestSendBody(In):
    to: Email
    lead_id: uuid.UUID | None = None
    step_id: uuid.UUID | None = None


class TestSendOut(Out):
    to: str
    step_id: uuid.UUID
    subject: str
    provider_message_id: str | None


# --- webhooks ----------------------------------------------------------------------------


class MeetingBody(BaseModel):
    """A generic `{email, time, source}` body, or Calendly's `invitee.created` webhook."""

    model_config = ConfigDict(extra="allow")
    email: Email | None = None
    time: AwareDatetime | None = None
    source: Annotated[str, Field(max_length=100)] | None = None
    event: Annotated[str, Field(max_length=100)] | None = None
    payload: dict[str, Any] | None = None


class MeetingOut(Out):
    paused: int  # live enrollments paused (0 when the lead is unknown or has none)


class SnsOut(Out):
    status: Literal["subscribed", "applied", "ignored"]
    events: int = 0


class WebhookUrlOut(Out):
    url: str
