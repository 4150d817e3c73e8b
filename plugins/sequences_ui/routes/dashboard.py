"""The dashboard: the organization's cards, its sends and replies per day, and what needs an
operator; all from services/dashboard.py, the same service as `GET /dashboard`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sequences_core.clock import utcnow
from sequences_core.services.dashboard import dashboard
from sequences_ui.charts import daily_chart
from sequences_ui.pages import WorkspaceDep

NAV = ("Dashboard", "/dashboard", 5)
router = APIRouter()


@router.get("/dashboard", response_class=HTMLResponse, name="dashboard")
def dashboard_page(ws: WorkspaceDep) -> HTMLResponse:
    with ws.uow() as uow:
        board = dashboard(uow, ws.org_id, utcnow())
    chart = daily_chart(
        [(d.day, d.sent, d.replies) for d in board.daily],
        f"Emails sent and replies per day, last {len(board.daily)} days ({board.zone})",
        "emails sent",
        "replies",
    )
    return ws.page("dashboard.html", board=board, chart=chart)
