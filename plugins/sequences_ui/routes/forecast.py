"""The 14-day send forecast of the organization and of each template: a chart and a table of
the emails each day sends and what a daily limit holds back, from services/forecast.py, as
the REST API's `GET /forecast` and `GET /templates/{id}/forecast`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sequences_core.clock import utcnow
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.services.forecast import (
    ForecastView,
    forecast_templates,
    org_forecast,
    template_forecast,
)
from sequences_ui.charts import forecast_chart
from sequences_ui.pages import Workspace, WorkspaceDep

NAV = ("Forecast", "/forecast", 40)
router = APIRouter()


def _page(ws: Workspace, found: ForecastView) -> HTMLResponse:
    with ws.uow() as uow:
        scopes = forecast_templates(uow, ws.org_id)
    chart = forecast_chart(found.days, found.zone) if found.enrollments else None
    return ws.page("forecast.html", found=found, chart=chart, scopes=scopes)


@router.get("/forecast", response_class=HTMLResponse, name="org_forecast")
def organization_page(ws: WorkspaceDep) -> HTMLResponse:
    with ws.uow() as uow:
        found = org_forecast(uow, ws.org_id, utcnow())
    return _page(ws, found)


@router.get("/forecast/{template_id}", response_class=HTMLResponse, name="template_forecast")
def template_page(ws: WorkspaceDep, template_id: str) -> HTMLResponse:
    """Another organization's template, or no template at all: the same 404 page."""
    try:
        with ws.uow() as uow:
            found = template_forecast(uow, ws.org_id, template_id, utcnow())
    except (NotFound, InvalidInput):
        return ws.page("not_found.html", 404, what="sequence")
    return _page(ws, found)
