"""Run a dispatch cycle now, and read metrics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sequences_core.db.models import SequenceEnrollment, SequenceTemplate
from sequences_core.db.repository import get_owned
from sequences_core.services import metrics as service
from sequences_core.services.cycle import run_cycle
from sequences_core.services.dispatch import DispatchScope
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import ExecuteBody, ExecuteOut, MetricsQuery, MetricsReportOut
from tracking_app.state import org, state, unit

TAG = "execution"


@API.route(bp, "/execute", "POST", tag=TAG, body=ExecuteBody, response=ExecuteOut, errors=(404,))
def execute(body: ExecuteBody) -> dict[str, Any]:
    """Run one cycle for your organization now (or for one enrollment).

    The same cycle the scheduler runs: feedback that has arrived (replies, bounces,
    unsubscribes) is applied first, then windows, limits and suppression all apply.
    """
    scope = DispatchScope(organization_id=org())
    if body.enrollment_id is not None:
        get_owned(unit().session, SequenceEnrollment, org(), body.enrollment_id, what="enrollment")
        scope = DispatchScope(organization_id=org(), enrollment_id=body.enrollment_id)
    app_state = state()
    report = run_cycle(app_state.uow, app_state.dispatch(), app_state.feeds(), scope)
    return {
        "scope": "enrollment" if body.enrollment_id else "organization",
        "summary": report.dispatch,
        "feedback": report.feedback,
    }


@API.route(
    bp, "/metrics", "GET", tag=TAG, query=MetricsQuery, response=MetricsReportOut, errors=(404,)
)
def read_metrics(query: MetricsQuery) -> dict[str, Any]:
    """Metrics overall and per template; `from`/`to` bound event and enrolment times.

    Machine opens and clicks are excluded from every count and rate.
    """
    uow = unit()
    ids = None
    if query.template_id is not None:
        get_owned(uow.session, SequenceTemplate, org(), query.template_id, what="template")
        ids = [query.template_id]
    report = service.metrics(uow, org(), since=query.since, until=query.until, template_ids=ids)
    names = {
        tid: name
        for tid, name in uow.session.execute(
            select(SequenceTemplate.id, SequenceTemplate.name).where(
                SequenceTemplate.organization_id == org()
            )
        )
    }
    return {
        "overall": report.overall,
        "templates": [
            {"template_id": tid, "name": names.get(tid, ""), "metrics": item}
            for tid, item in report.templates.items()
        ],
    }
