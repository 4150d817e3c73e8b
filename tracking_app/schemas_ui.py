"""Shapes of the API routes added with the Sequences UI's second part: the template library,
the enrollment dry run and a lead's timeline (kept apart from schemas.py, which every
resource shares)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from tracking_app.schemas import (
    MAX_BULK_API,
    EnrollmentScheduleOut,
    In,
    LeadOut,
    Out,
    SkippedOut,
)


class LibraryStepOut(Out):
    type: str = Field(description="The step's type.")
    config: dict[str, Any] = Field(description="Its config, as `POST /steps` takes it.")


class LibraryEntryOut(Out):
    key: str = Field(description="What `POST /templates/from-library` takes as `key`.")
    name: str = Field(description="The template's default name.")
    description: str | None = Field(description="What it is for.")
    category: str = Field(description="Its category.")
    emails: int = Field(description="How many emails it sends.")
    settings: dict[str, Any] = Field(description="Its settings (send window, days, ...).")
    steps: list[LibraryStepOut] = Field(description="Its steps, in order.")


class LibraryOut(Out):
    items: list[LibraryEntryOut] = Field(description="The built-in sequences.")


class FromLibrary(In):
    key: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The library entry (`GET /templates/library`)."
    )
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, description="The new template's name; the entry's own if left out."
    )


class EnrollmentPlanBody(In):
    template_id: uuid.UUID = Field(description="The template to enrol in.")
    lead_ids: list[str] = Field(
        min_length=1, max_length=MAX_BULK_API, description="The leads, by id."
    )


class ReasonCount(Out):
    reason: str = Field(description="Why (see `SkippedOut.reason`, or `missing_variable: …`).")
    count: int = Field(description="How many leads.")


class EnrollmentPlanOut(Out):
    enrolled: int = Field(description="Leads `POST /enrollments/bulk` would enrol now.")
    skipped: int = Field(description="Leads it would leave out.")
    skip_reasons: list[ReasonCount] = Field(description="Why, with counts, most common first.")
    skips: list[SkippedOut] = Field(description="Each lead it would leave out, with the reason.")
    missing_variables: list[ReasonCount] = Field(
        description="Leads it would enrol that lack a variable of an email step (the engine "
        "pauses them there), by the first variable and step."
    )


class TimelineItemOut(Out):
    at: datetime = Field(description="When it happened.")
    kind: str = Field(description="`execution`, `event` or `task`.")
    what: str = Field(description="The step type, event type or `task`.")
    enrollment_id: uuid.UUID | None = Field(description="The enrollment, when known.")
    template_name: str | None = Field(description="The template's name, when known.")
    step_position: int | None = Field(description="For executions: the step's position.")
    status: str | None = Field(description="An execution's or task's status.")
    attempt: int | None = Field(description="For executions: the attempt number.")
    subject: str | None = Field(description="An email's subject, a task's title.")
    error: str | None = Field(description="Why an execution failed or was skipped.")
    url: str | None = Field(description="For clicks: the link.")
    device: str | None = Field(description="For opens and clicks: the device family.")
    client: str | None = Field(description="For opens and clicks: the mail client or browser.")
    geo: dict[str, Any] | None = Field(description="For opens and clicks: country and city.")
    machine: bool = Field(description="A machine open or click (counted in no rate).")
    classification: str | None = Field(description="For inbound mail: how it was classified.")
    reason: str | None = Field(description="Why it was classified so; a bounce's diagnostic.")
    status_code: str | None = Field(description="For bounces: the enhanced status, e.g. 5.1.1.")
    detail: dict[str, Any] | None = Field(
        description="A condition's decision, a webhook call's answer, a task's due date."
    )


class TimelineEnrollmentOut(Out):
    id: uuid.UUID = Field(description="The enrollment.")
    template_id: uuid.UUID = Field(description="Its template.")
    template_name: str = Field(description="The template's name.")
    status: str = Field(description="Where it stands.")
    current_step: int = Field(description="Position of the step it runs next.")
    reason: str | None = Field(description="Why it is paused or stopped.")
    enrolled_at: datetime = Field(description="When the lead was enrolled.")
    schedule: EnrollmentScheduleOut | None = Field(
        description="For a live enrollment: when its next email goes and why not now "
        "(as `GET /enrollments/{id}/schedule`)."
    )


class LeadTimelineOut(Out):
    lead: LeadOut = Field(description="The lead.")
    zone: str = Field(description="The lead's zone (else the organization's).")
    enrollments: list[TimelineEnrollmentOut] = Field(description="Its enrollments, newest first.")
    items: list[TimelineItemOut] = Field(description="What happened, newest first.")
    truncated: bool = Field(description="True when older items were left out (1,000 per kind).")
