"""Enrollments: one lead, many leads, list, pause/resume/stop (rate-limited per key), and
when one's next email goes."""

from __future__ import annotations

from typing import Any

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceEnrollment
from sequences_core.db.pagination import Page
from sequences_core.errors import InvalidInput
from sequences_core.schemas import LeadIn
from sequences_core.services import enrollments as service
from sequences_core.services.enrollment_plan import plan_enrollment
from sequences_core.services.leads import OVER_LIMITS, upsert_leads
from sequences_core.services.schedule_explain import EnrollmentSchedule, explain_enrollment
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import (
    BulkEnrollment,
    BulkEnrollmentOut,
    EnrollmentCreate,
    EnrollmentOut,
    EnrollmentPage,
    EnrollmentQuery,
    EnrollmentScheduleOut,
    ScheduleQuery,
    StatusChange,
)
from tracking_app.schemas_ui import EnrollmentPlanBody, EnrollmentPlanOut
from tracking_app.state import org, unit

TAG = "enrollments"


@API.route(
    bp, "/enrollments", "POST", tag=TAG, body=EnrollmentCreate, response=EnrollmentOut,
    status=201, errors=(404, 409), limited=True,
)  # fmt: skip
def enroll(body: EnrollmentCreate) -> SequenceEnrollment:
    """Enrol one lead; a lead that cannot be enrolled is a 409 naming why."""
    return service.enroll_lead(
        unit(), org(), body.template_id, body.lead_id,
        mailbox_id=body.mailbox_id, start_at=body.start_at,
    )  # fmt: skip


def _refuse_over_limits(leads: list[LeadIn], refused: frozenset[str]) -> None:
    """A lead whose merged custom fields would pass the limits fails the whole call, naming
    it; nothing is written (the request's unit of work is never committed)."""
    if refused:
        fields = {
            f"body.leads.{i}.custom_fields": OVER_LIMITS
            for i, lead in enumerate(leads)
            if lead.email.lower() in refused
        }
        raise InvalidInput("Some leads are not valid", fields)


@API.route(
    bp, "/enrollments/bulk", "POST", tag=TAG, body=BulkEnrollment, response=BulkEnrollmentOut,
    errors=(404, 409), limited=True,
)  # fmt: skip
def enroll_many(body: BulkEnrollment) -> dict[str, Any]:
    """Enrol up to 10,000 leads (ids, or lead objects upserted by email) in one call.

    Answers counts and, for every lead left out, the reason (suppressed, already_enrolled,
    lead_not_found, duplicate_in_request, …).
    """
    uow = unit()
    lead_ids: list[Any] = list(body.lead_ids)
    created = 0
    if body.leads:
        upserted = upsert_leads(uow, org(), body.leads, commit=False)
        _refuse_over_limits(body.leads, upserted.refused)
        created = upserted.created
        lead_ids += [upserted.ids[lead.email.lower()] for lead in body.leads]
    result = service.bulk_enroll(
        uow, org(), body.template_id, lead_ids, mailbox_id=body.mailbox_id, start_at=body.start_at
    )
    return {
        "enrolled": result.count,
        "skipped": len(result.skipped),
        "leads_created": created,
        "enrollments": [
            {"lead_id": lead, "enrollment_id": enrollment} for lead, enrollment in result.pairs
        ],
        "skips": [{"lead": lead, "reason": reason} for lead, reason in result.skipped],
    }


@API.route(
    bp, "/enrollments/<enrollment_id>/status", "PUT", tag=TAG, body=StatusChange,
    response=EnrollmentOut, errors=(409,), limited=True,
)  # fmt: skip
def change_status(enrollment_id: str, body: StatusChange) -> SequenceEnrollment:
    """Pause, resume or stop an enrollment, with an optional reason."""
    return service.set_enrollment_status(unit(), org(), enrollment_id, body.action, body.reason)


@API.route(bp, "/enrollments", "GET", tag=TAG, query=EnrollmentQuery, response=EnrollmentPage)
def list_enrollments(query: EnrollmentQuery) -> Page[SequenceEnrollment]:
    """Enrollments by lead, template, status or paused reason (e.g. `missing_variable`)."""
    return service.list_enrollments(
        unit(), org(), lead_id=query.lead_id, template_id=query.template_id,
        status=query.status,
        paused_reason=query.paused_reason, limit=query.limit, cursor=query.cursor,
    )  # fmt: skip


@API.route(
    bp, "/enrollments/<enrollment_id>/schedule", "GET", tag=TAG, query=ScheduleQuery,
    response=EnrollmentScheduleOut, errors=(404,),
)  # fmt: skip
def explain_schedule(enrollment_id: str, query: ScheduleQuery) -> EnrollmentSchedule:
    """When this enrollment's next email goes, and every reason it does not go now.

    The dispatcher's own rules replayed from now (or `at`): its status, the lead and
    suppression checks, waits, the paused mailbox or organization, the send window in the
    lead's zone (lead, template, organization), weekends, public holidays and the daily
    limits (mailbox with its warm-up ramp, template, organization) already spent that day.
    """
    return explain_enrollment(unit(), org(), enrollment_id, query.at or utcnow())


@API.route(
    bp, "/enrollments/plan", "POST", tag=TAG, body=EnrollmentPlanBody, response=EnrollmentPlanOut,
    errors=(404, 409),
)  # fmt: skip
def plan(body: EnrollmentPlanBody) -> dict[str, Any]:
    """A dry run of `POST /enrollments/bulk`: how many would be enrolled, and why each other
    lead would not (the same checks), plus the leads that lack a variable of the steps."""
    found = plan_enrollment(unit(), org(), body.template_id, body.lead_ids)
    counts = [{"reason": reason, "count": count} for reason, count in found.reasons().most_common()]
    missing = [
        {"reason": reason, "count": count}
        for reason, count in found.missing_reasons().most_common()
    ]
    return {
        "enrolled": len(found.enrolled), "skipped": len(found.skipped),
        "skip_reasons": counts, "missing_variables": missing,
        "skips": [{"lead": lead, "reason": reason} for lead, reason in found.skipped],
    }  # fmt: skip
