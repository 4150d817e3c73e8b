"""The dashboard, and a template's metrics per step (funnel, branches, completion rate)."""

from __future__ import annotations

from sequences_core.clock import utcnow
from sequences_core.services import metrics as metrics_service
from sequences_core.services.dashboard import Dashboard, dashboard
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas_metrics import DashboardOut, TemplateMetricsDetailOut
from tracking_app.state import org, unit

TAG = "dashboard"


@API.route(bp, "/dashboard", "GET", tag=TAG, response=DashboardOut)
def read_dashboard() -> Dashboard:
    """The organization's dashboard: cards, sends and replies per day, what needs attention,
    and the busiest templates with their rates.

    Days and weeks are the organization's time zone's; rates exclude machine opens and
    clicks and are over the last 30 days.
    """
    return dashboard(unit(), org(), utcnow())


@API.route(
    bp,
    "/templates/<template_id>/metrics",
    "GET",
    tag=TAG,
    response=TemplateMetricsDetailOut,
    errors=(404,),
)
def read_template_metrics(template_id: str) -> metrics_service.TemplateMetrics:
    """A template's metrics with a funnel per step (sent → delivered → opened → clicked →
    replied, machine opens apart), each condition's branches and the completion rate."""
    return metrics_service.template_metrics(unit(), org(), template_id)
