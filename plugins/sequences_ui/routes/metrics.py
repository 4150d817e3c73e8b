"""A template's metrics: its totals and completion rate, a funnel per email step (machine
opens apart), and each condition's branches; from services/metrics.py, as the REST API's
`GET /templates/{id}/metrics`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sequences_core.errors import InvalidInput, NotFound
from sequences_core.services.metrics import StepMetrics, template_metrics
from sequences_ui.charts import FunnelChart, funnel_chart
from sequences_ui.pages import WorkspaceDep

router = APIRouter()


def step_funnel(step: StepMetrics) -> FunnelChart:
    stages = [("Sent", step.sent), ("Delivered", step.delivered), ("Opened", step.opened),
              ("Clicked", step.clicked), ("Replied", step.replied)]  # fmt: skip
    return funnel_chart(stages, f"Funnel of {step.label}")


@router.get("/metrics/{template_id}", response_class=HTMLResponse, name="template_metrics")
def metrics_page(ws: WorkspaceDep, template_id: str) -> HTMLResponse:
    """Another organization's template, or no template at all: the same 404 page."""
    try:
        with ws.uow() as uow:
            found = template_metrics(uow, ws.org_id, template_id)
    except (NotFound, InvalidInput):
        return ws.page("metrics.html", 404, found=None)
    rows = [(s, step_funnel(s) if s.type == "email" and s.sent else None) for s in found.steps]
    return ws.page("metrics.html", found=found, rows=rows)
