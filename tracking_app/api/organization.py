"""Your organization: its settings, pausing and resuming it, the reputation guard's standing,
and the audit log of what operators changed."""

from __future__ import annotations

from typing import Any

from sequences_core.clock import utcnow
from sequences_core.db.models import AuditEntry, Organization
from sequences_core.db.pagination import Page
from sequences_core.operator_schemas import OrganizationUpdate
from sequences_core.services import audit, reputation
from sequences_core.services import organizations as service
from sequences_core.services.reputation import Standing
from tracking_app.api import bp
from tracking_app.operator_schemas import (
    AuditPage,
    AuditQuery,
    OrganizationOut,
    ReasonIn,
    ReputationOut,
)
from tracking_app.registry import API
from tracking_app.state import actor, org, unit

TAG = "organization"


def _out(found: Organization) -> dict[str, Any]:
    """Columns and the options kept in the settings object, each a field of its own."""
    return {name: service.organization_field(found, name) for name in OrganizationOut.model_fields}


@API.route(bp, "/organization", "GET", tag=TAG, response=OrganizationOut)
def get_organization() -> dict[str, Any]:
    """Your organization's settings, and why it is paused if it is."""
    return _out(service.get_organization(unit(), org()))


@API.route(bp, "/organization", "PATCH", tag=TAG, body=OrganizationUpdate, response=OrganizationOut)
def update_organization(body: OrganizationUpdate) -> dict[str, Any]:
    """Change the daily limit, default time zone, full-IP opt-in, webhook allow-list or name
    (only what you name)."""
    return _out(service.update_organization(unit(), org(), body, actor()))


@API.route(bp, "/organization/pause", "POST", tag=TAG, body=ReasonIn, response=OrganizationOut)
def pause_organization(body: ReasonIn) -> dict[str, Any]:
    """Hold every send of the organization until it is resumed (audited)."""
    return _out(service.pause_organization(unit(), org(), body.reason, actor()))


@API.route(
    bp, "/organization/resume", "POST", tag=TAG, body=ReasonIn, response=OrganizationOut,
    errors=(409,),
)  # fmt: skip
def resume_organization(body: ReasonIn) -> dict[str, Any]:
    """Lift a pause (the reputation guard's or an operator's); recorded with who and why.

    The guard then counts sends from now, so the bounces that paused the organization do not
    pause it again at the next feedback cycle.
    """
    return _out(service.resume_organization(unit(), org(), body.reason, actor(), utcnow()))


def _standing(item: Standing) -> dict[str, Any]:
    verdict = item.verdict
    return {
        "id": verdict.mailbox_id, "name": item.name, "status": item.status,
        "paused_reason": item.paused_reason, "counted_since": item.counted_since,
        "over_the_line": verdict.reason,
        "rates": {
            "sent": verdict.sent, "bounces": verdict.bounces, "complaints": verdict.complaints,
            "bounce_rate": verdict.bounce_rate, "complaint_rate": verdict.complaint_rate,
        },
    }  # fmt: skip


@API.route(bp, "/reputation", "GET", tag=TAG, response=ReputationOut)
def read_reputation() -> dict[str, Any]:
    """The reputation guard's view: each mailbox's and the organization's sends, hard bounces
    and complaints over 7 days, against SES's review lines (5 % bounces, 0.1 % complaints).

    What an operator reads before resuming what the guard paused.
    """
    report = reputation.reputation_report(unit(), org(), utcnow())
    return {
        "window_start": report.window_start, "window_end": report.window_end,
        "min_sends": reputation.MIN_SENDS, "max_bounce_rate": reputation.MAX_BOUNCE_RATE,
        "max_complaint_rate": reputation.MAX_COMPLAINT_RATE,
        "organization": _standing(report.organization),
        "mailboxes": [_standing(m) for m in report.mailboxes],
    }  # fmt: skip


@API.route(bp, "/audit", "GET", tag=TAG, query=AuditQuery, response=AuditPage)
def list_audit(query: AuditQuery) -> Page[AuditEntry]:
    """What operators changed by hand, newest first: who, what, when and why."""
    return audit.list_audit(
        unit(), org(), subject_type=query.subject_type, limit=query.limit, cursor=query.cursor
    )
