"""Leads: a search over the organization's leads, and each lead's timeline (every execution
and event across templates, and when its next step goes and why)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from sequences_core.clock import utcnow
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.services.lead_timeline import lead_timeline
from sequences_core.services.leads import list_leads
from sequences_core.services.templates import list_templates
from sequences_ui.editing import CanEditDep
from sequences_ui.pages import WorkspaceDep
from sequences_ui.routes.sequences import not_found

NAV = ("Leads", "/leads", 40)
router = APIRouter()
PAGE = 50


@router.get("/leads", response_class=HTMLResponse, name="leads")
def leads_page(
    ws: WorkspaceDep,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Find a lead by email, name or company; newest first."""
    with ws.uow() as uow:
        try:
            page = list_leads(
                uow, ws.org_id, q=q.strip() or None, limit=PAGE, cursor=cursor or None
            )
        except InvalidInput:  # a cursor this page never gave
            page = list_leads(uow, ws.org_id, q=q.strip() or None, limit=PAGE)
        return ws.page("leads.html", page=page, q=q, cursor=cursor)


@router.get("/leads/{lead_id}", response_class=HTMLResponse, name="lead_timeline")
def lead_page(ws: WorkspaceDep, allowed: CanEditDep, lead_id: str) -> HTMLResponse:
    """The lead's timeline, its enrollments with their schedule, and enrolling it elsewhere."""
    try:
        with ws.uow() as uow:
            timeline = lead_timeline(uow, ws.org_id, lead_id, utcnow())
            templates = list_templates(uow, ws.org_id, limit=200).items if allowed else []
            return ws.page("lead.html", timeline=timeline, templates=templates, can_edit=allowed)
    except (NotFound, InvalidInput):
        return not_found(ws, "lead")
