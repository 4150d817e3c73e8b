"""The template list: every sequence of the organization with its counts and rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from sequences_core.enums import TemplateCategory
from sequences_core.services.template_overview import SORTS, template_overview
from sequences_ui.pages import WorkspaceDep

NAV = ("Sequences", "/", 10)
SORT_LABELS = {
    "newest": "Newest",
    "name": "Name",
    "enrolled": "Most enrolled",
    "active": "Most active",
    "open_rate": "Open rate",
    "click_rate": "Click rate",
    "reply_rate": "Reply rate",
    "last_sent": "Last sent",
}
router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="sequences")
def sequences(
    ws: WorkspaceDep,
    q: Annotated[str, Query(max_length=200)] = "",
    category: str = "",
    sort: str = "newest",
    archived: bool = False,
) -> HTMLResponse:
    """The template list of the organization the user works in."""
    category = category if category in set(TemplateCategory) else ""
    sort = sort if sort in SORTS else "newest"
    with ws.uow() as uow:
        overview = template_overview(
            uow,
            ws.org_id,
            q=q.strip() or None,
            category=category or None,
            include_deleted=archived,
            sort=sort,
        )
        return ws.page(
            "sequences.html",
            overview=overview,
            filters={"q": q, "category": category, "sort": sort, "archived": archived},
            filtered=bool(q.strip() or category or archived),
            categories=[c.value for c in TemplateCategory],
            sorts=SORT_LABELS,
        )
