"""A template's enrollments: status, current step, next send in the lead's zone and UTC,
last event; filtered by status and paused reason; paused, resumed or stopped with a reason,
one at a time or the checked ones together (`services.enrollments.set_enrollment_status`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sequences_core.enums import EnrollmentStatus
from sequences_core.errors import Conflict, InvalidInput, NotFound
from sequences_core.services.enrollment_views import template_enrollments
from sequences_core.services.enrollments import StatusAction, set_enrollment_status
from sequences_core.services.steps import list_steps
from sequences_core.services.templates import get_template
from sequences_ui.editing import CanEditDep, EditorDep
from sequences_ui.pages import WorkspaceDep
from sequences_ui.routes.sequences import not_found

router = APIRouter()
PAGE = 50
ACTION_PAST = {"pause": "paused", "resume": "resumed", "stop": "stopped"}


@router.get("/enrollments/{template_id}", response_class=HTMLResponse, name="enrollments")
def enrollments_page(
    ws: WorkspaceDep,
    allowed: CanEditDep,
    template_id: str,
    status: str = "",
    paused_reason: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=200)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    n: Annotated[int, Query(ge=0)] = 0,
    skipped: Annotated[int, Query(ge=0)] = 0,
    refused: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """One page of the template's enrollments, newest first."""
    status = status if status in set(EnrollmentStatus) else ""
    try:
        with ws.uow() as uow:
            template = get_template(uow, ws.org_id, template_id, include_deleted=True)
            try:
                page = template_enrollments(
                    uow, ws.org_id, template.id, status=status or None,
                    paused_reason=paused_reason.strip() or None, limit=PAGE, cursor=cursor or None,
                )  # fmt: skip
            except InvalidInput:  # a cursor this page never gave: start from the top
                page = template_enrollments(uow, ws.org_id, template.id, limit=PAGE)
            steps = {s.position: s for s in list_steps(uow, ws.org_id, template.id)}
            return ws.page(
                "enrollments.html", template=template, page=page, steps=steps,
                statuses=[s.value for s in EnrollmentStatus],
                filters={"status": status, "paused_reason": paused_reason},
                notice=_notice(done, n, skipped, refused), can_edit=allowed, cursor=cursor,
            )  # fmt: skip
    except (NotFound, InvalidInput):
        return not_found(ws)


def _notice(done: str, n: int, skipped: int, refused: int) -> str | None:
    if done == "enrolled":
        return f"Enrolled {n} lead{'' if n == 1 else 's'}; {skipped} skipped."
    if done in ACTION_PAST:
        note = f"{n} enrollment{'' if n == 1 else 's'} {ACTION_PAST[done]}."
        if refused:
            note += f" {refused} could not be (not in a state that allows it)."
        return note
    return None


@router.post("/enrollments/{template_id}/status", name="enrollments_status")
def change_status(
    ws: EditorDep,
    template_id: str,
    ids: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form(max_length=10)] = "",
    single: Annotated[str, Form(max_length=60)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Pause, resume or stop the checked enrollments, or the one whose button was pressed
    (`single` = "<action>:<id>"); each through the service, which refuses a move the
    enrollment cannot make (counted, not fatal)."""
    if single:
        action, _, one = single.partition(":")
        ids = [one]
    if action not in ACTION_PAST:
        return RedirectResponse(ws.url(f"/enrollments/{template_id}"), status_code=303)
    done = refused = 0
    try:
        with ws.uow() as uow:
            template_key = get_template(uow, ws.org_id, template_id, include_deleted=True).id
            for ident in ids or []:
                try:
                    set_enrollment_status(
                        uow, ws.org_id, ident, StatusAction(action), reason.strip() or None
                    )
                    done += 1
                except Conflict:
                    uow.rollback()
                    refused += 1
    except (NotFound, InvalidInput):
        return not_found(ws, "enrollment")
    target = f"/enrollments/{template_key}?done={action}&n={done}&refused={refused}"
    return RedirectResponse(ws.url(target), status_code=303)
