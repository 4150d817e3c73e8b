"""The template list: every sequence of the organization with its counts and rates, and the
row actions (duplicate, archive, restore); the builder opens from each row."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sequences_core.enums import TemplateCategory
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.services.template_copy import duplicate_template, restore_template
from sequences_core.services.template_overview import SORTS, template_overview
from sequences_core.services.templates import delete_template, get_template
from sequences_ui.editing import CanEditDep, EditorDep
from sequences_ui.pages import Workspace, WorkspaceDep

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
# What the list says after an action (`?done=<code>&id=<template>`): a code, never free text
# from the address, so a link cannot make the page say something of its own.
NOTICES = {
    "created": "Created “{name}”.",
    "duplicated": "Duplicated as “{name}”; it has no enrollments yet.",
    "archived": "Archived “{name}”; {stopped} live enrollments stopped. Restore it from "
    "“Include archived”.",
    "restored": "Restored “{name}”; enrollments its archive stopped stay stopped.",
}
router = APIRouter()


def edit_page(ws: WorkspaceDep, allowed: CanEditDep) -> Workspace:
    """For a page that only leads to changes (New sequence, Enroll): edit permission, no
    form token (a GET carries none; the page's own forms do)."""
    if not allowed:
        raise HTTPException(403, "Your Airflow role may view sequences but not change them")
    return ws


EditPageDep = Annotated[Workspace, Depends(edit_page)]


def not_found(ws: Workspace, what: str = "sequence") -> HTMLResponse:
    """Another organization's id, or none at all: the same answer."""
    return ws.page("not_found.html", 404, what=what)


def _notice(ws: Workspace, done: str, ident: str, stopped: int) -> str | None:
    if done not in NOTICES:
        return None
    try:
        with ws.uow() as uow:
            name = get_template(uow, ws.org_id, ident, include_deleted=True).name
    except (NotFound, InvalidInput):
        return None
    return NOTICES[done].format(name=name, stopped=stopped)


@router.get("/", response_class=HTMLResponse, name="sequences")
def sequences(
    ws: WorkspaceDep,
    allowed: CanEditDep,
    q: Annotated[str, Query(max_length=200)] = "",
    category: str = "",
    sort: str = "newest",
    archived: bool = False,
    done: Annotated[str, Query(max_length=20)] = "",
    id: Annotated[str, Query(max_length=40)] = "",
    stopped: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The template list of the organization the user works in."""
    category = category if category in set(TemplateCategory) else ""
    sort = sort if sort in SORTS else "newest"
    notice = _notice(ws, done, id, stopped) if done else None
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
            notice=notice,
            can_edit=allowed,
        )


def _back(ws: Workspace, done: str, template_id: uuid.UUID, **extra: object) -> Response:
    """After an action: the list again (archived ones shown when it is about one)."""
    params = "&".join(f"{k}={v}" for k, v in extra.items())
    target = f"/?done={done}&id={template_id}" + (f"&{params}" if params else "")
    return RedirectResponse(ws.url(target), status_code=303)


@router.post("/templates/{template_id}/duplicate", name="duplicate_template")
def duplicate(ws: EditorDep, template_id: str) -> Response:
    """Copy a template and its steps as "<name> (copy)"."""
    try:
        with ws.uow() as uow:
            copy = duplicate_template(uow, ws.org_id, template_id)
            return _back(ws, "duplicated", copy.id)
    except (NotFound, InvalidInput):
        return not_found(ws)


@router.post("/templates/{template_id}/archive", name="archive_template")
def archive(ws: EditorDep, template_id: str) -> Response:
    """Soft delete: history stays, live enrollments stop (the page asked to confirm)."""
    try:
        with ws.uow() as uow:
            stopped = delete_template(uow, ws.org_id, template_id)
            return _back(ws, "archived", uuid.UUID(template_id), archived="true", stopped=stopped)
    except (NotFound, InvalidInput):
        return not_found(ws)


@router.post("/templates/{template_id}/restore", name="restore_template")
def restore(ws: EditorDep, template_id: str) -> Response:
    """Undo an archive."""
    try:
        with ws.uow() as uow:
            template = restore_template(uow, ws.org_id, template_id)
            return _back(ws, "restored", template.id)
    except (NotFound, InvalidInput):
        return not_found(ws)
