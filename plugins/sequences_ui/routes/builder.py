"""The template builder: the steps as a vertical workflow (add from a palette, reorder by
drag and drop or by keyboard, delete), the settings panel and the step editor. The editor's
live helpers (validation, preview, lead search, test call) are in `routes/builder_live.py`.

Every change goes through the same services as the REST API; a value the core refuses
re-renders the page (422) with the message at its field, and nothing is half written.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import FormData

from sequences_core.db.models import SequenceStep, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import StepType, TemplateCategory
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.rules.step_graph import check_graph
from sequences_core.schemas import LEAD_FIELDS, TemplateUpdate, parse
from sequences_core.services import builder as service
from sequences_core.services.mailboxes import list_mailboxes
from sequences_core.services.steps import delete_step, list_steps, reorder_steps, update_step
from sequences_core.services.templates import get_template, update_template
from sequences_ui.editing import CanEditDep, EditorDep
from sequences_ui.pages import Workspace, WorkspaceDep
from sequences_ui.step_forms import (
    WEEKDAYS,
    FormProblem,
    editor_values,
    field_errors,
    form_values,
    setting_fields,
    settings_from_form,
    settings_values,
    step_config,
)

router = APIRouter()
TYPE_LABELS = {
    "email": "Email",
    "wait": "Wait",
    "task": "Task",
    "condition": "Condition",
    "webhook": "Webhook",
}


async def _form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def missing_page(ws: Workspace) -> HTMLResponse:
    return ws.page("builder_missing.html", 404)


def _step_labels(steps: list[SequenceStep]) -> dict[str, str]:
    return {str(s.id): f"Step {s.position + 1} · {TYPE_LABELS[s.type]}" for s in steps}


def _editor(
    steps: list[SequenceStep], selected: str | None, values: dict[str, Any] | None
) -> tuple[SequenceStep | None, dict[str, Any]]:
    step = next((s for s in steps if str(s.id) == selected), None)
    if step is None:
        return None, {}
    return step, values if values is not None else editor_values(step.type, step.config)


def render_builder(
    ws: Workspace,
    uow: UnitOfWork,
    template: SequenceTemplate,
    *,
    can_edit: bool,
    status: int = 200,
    selected: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The builder page; `context` carries a failed form's values and errors back."""
    steps = list_steps(uow, ws.org_id, template.id)
    step, values = _editor(steps, selected, context.pop("values", None))
    lead = service.first_lead(uow, ws.org_id)
    keys = service.custom_field_keys(uow, ws.org_id)
    return ws.page(
        "builder.html",
        status,
        template=template,
        steps=steps,
        labels=_step_labels(steps),
        types=TYPE_LABELS,
        step=step,
        values=values,
        errors=context.pop("errors", {}),
        graph_warnings=check_graph(steps).warnings,
        advice=service.template_warnings(uow, ws.org_id, template, steps),
        mailboxes=list_mailboxes(uow, ws.org_id),
        custom_keys=keys,
        rule_fields=[*LEAD_FIELDS, *(f"custom_fields.{k}" for k in keys)],
        lead=lead,
        lead_label=service.lead_label(lead) if lead else "",
        settings_fields=setting_fields(),
        settings=context.pop("settings", None) or settings_values(template.settings),
        settings_errors=context.pop("settings_errors", {}),
        categories=[c.value for c in TemplateCategory],
        weekdays=WEEKDAYS,
        can_edit=can_edit,
        **context,
    )


def _back(
    ws: Workspace, template_id: uuid.UUID, step: object | None = None, saved: bool = False
) -> RedirectResponse:
    query = "&".join(([f"step={step}"] if step else []) + (["saved=1"] if saved else []))
    tail = f"?{query}" if query else ""
    return RedirectResponse(
        ws.url(f"/builder/{template_id}{tail}{'#editor' if step else ''}"), status_code=303
    )


@router.get("/builder/{template_id}", response_class=HTMLResponse, name="builder")
def builder(
    ws: WorkspaceDep,
    template_id: str,
    can_edit: CanEditDep,
    step: str | None = None,
    saved: bool = False,
) -> HTMLResponse:
    """One template's steps, settings and (with `step`) that step's editor."""
    with ws.uow() as uow:
        template = find_template(uow, ws, template_id, include_deleted=True)
        if template is None:
            return missing_page(ws)
        return render_builder(ws, uow, template, can_edit=can_edit, selected=step, saved=saved)


@router.post("/builder/{template_id}/steps", name="builder_add_step")
def add(ws: EditorDep, template_id: str, type: Annotated[str, Form()]) -> Response:
    """A palette button: append a step of that type, then open its editor."""
    with ws.uow() as uow:
        template = find_template(uow, ws, template_id)
        if template is None:
            return missing_page(ws)
        try:
            step = service.new_step(uow, ws.org_id, template.id, type)
        except InvalidInput as invalid:
            return render_builder(
                ws, uow, template, can_edit=True, status=422, palette_error=invalid.message
            )
        if step.type == StepType.WEBHOOK:  # its new secret, shown this once
            return render_builder(
                ws, uow, template, can_edit=True, selected=str(step.id),
                revealed=step.config["secret"],
            )  # fmt: skip
        return _back(ws, template.id, step.id)


def find_step(uow: UnitOfWork, ws: Workspace, template_id: str, step_id: str) -> SequenceStep:
    """The step, if it is one of this organization's template's; else NotFound (a malformed
    id is as unknown as another organization's)."""
    template = find_template(uow, ws, template_id)
    for step in list_steps(uow, ws.org_id, template.id) if template else ():
        if str(step.id) == step_id:
            return step
    raise NotFound("step not found")


def find_template(
    uow: UnitOfWork, ws: Workspace, template_id: str, *, include_deleted: bool = False
) -> SequenceTemplate | None:
    """This organization's template, or None (unknown, malformed, or another's id)."""
    try:
        return get_template(uow, ws.org_id, template_id, include_deleted=include_deleted)
    except (NotFound, InvalidInput):
        return None


def _refused(
    ws: Workspace, uow: UnitOfWork, step: SequenceStep, form: FormData, errors: dict[str, str]
) -> HTMLResponse:
    uow.session.rollback()
    template = get_template(uow, ws.org_id, step.template_id)
    return render_builder(
        ws, uow, template, can_edit=True, status=422, selected=str(step.id),
        values=form_values(form), errors=errors,
    )  # fmt: skip


@router.post("/builder/{template_id}/steps/{step_id}", name="builder_save_step")
def save_step(ws: EditorDep, template_id: str, step_id: str, form: FormDep) -> Response:
    """The editor's Save: the whole config, checked as the API checks it, plus the graph."""
    with ws.uow() as uow:
        try:
            step = find_step(uow, ws, template_id, step_id)
        except NotFound:
            return missing_page(ws)
        try:
            raw = step_config(step.type, form)
        except FormProblem as problem:
            return _refused(ws, uow, step, form, problem.fields)
        old_secret = step.config.get("secret")
        try:
            saved = update_step(uow, ws.org_id, step.id, config=raw)
        except InvalidInput as invalid:
            return _refused(ws, uow, step, form, field_errors(invalid.fields, "config."))
        secret = saved.config.get("secret")
        if secret and secret != old_secret:
            template = get_template(uow, ws.org_id, saved.template_id)
            return render_builder(
                ws, uow, template, can_edit=True, selected=str(saved.id), revealed=secret,
                saved=True,
            )  # fmt: skip
        return _back(ws, saved.template_id, saved.id, saved=True)


@router.post("/builder/{template_id}/steps/{step_id}/delete", name="builder_delete_step")
def delete(ws: EditorDep, template_id: str, step_id: str) -> Response:
    with ws.uow() as uow:
        try:
            step = find_step(uow, ws, template_id, step_id)
            template_uuid = step.template_id
            delete_step(uow, ws.org_id, step.id)
        except NotFound:
            return missing_page(ws)
        except InvalidInput as invalid:
            uow.session.rollback()
            template = get_template(uow, ws.org_id, template_uuid)
            return render_builder(
                ws, uow, template, can_edit=True, status=422, steps_error=_words(invalid)
            )
        return _back(ws, template_uuid)


def _words(invalid: InvalidInput) -> str:
    return "; ".join([invalid.message, *invalid.fields.values()])


@router.post("/builder/{template_id}/steps/{step_id}/move", name="builder_move_step")
def move(
    ws: EditorDep, template_id: str, step_id: str, direction: Annotated[str, Form()]
) -> Response:
    """Move up / Move down (the keyboard's way to reorder, without script too)."""
    with ws.uow() as uow:
        try:
            step = find_step(uow, ws, template_id, step_id)
        except NotFound:
            return missing_page(ws)
        ids = [s.id for s in list_steps(uow, ws.org_id, step.template_id)]
        at = ids.index(step.id)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(ids):
            ids[at], ids[to] = ids[to], ids[at]
            try:
                reorder_steps(uow, ws.org_id, step.template_id, list(ids))
            except InvalidInput as invalid:
                uow.session.rollback()
                template = get_template(uow, ws.org_id, step.template_id)
                return render_builder(
                    ws, uow, template, can_edit=True, status=422, steps_error=_words(invalid)
                )
        return _back(ws, step.template_id)


class Reorder(BaseModel):
    step_ids: list[str] = Field(max_length=1000)


@router.post("/builder/{template_id}/reorder", name="builder_reorder")
def reorder(ws: EditorDep, template_id: str, body: Reorder) -> Response:
    """Drag and drop (and Alt+Arrow): the new order, answered with the graph's warnings."""
    with ws.uow() as uow:
        template = find_template(uow, ws, template_id)
        if template is None:
            return _json({"error": "No such template"}, 404)
        try:
            steps = reorder_steps(uow, ws.org_id, template.id, list(body.step_ids))
        except InvalidInput as invalid:
            return _json({"error": _words(invalid), "fields": invalid.fields}, 422)
        return _json(
            {
                "order": [str(s.id) for s in steps],
                "warnings": check_graph(steps).warnings,
            }
        )


def _json(content: Any, status: int = 200) -> Response:
    return JSONResponse(content, status)


@router.post("/builder/{template_id}/settings", name="builder_settings")
def save_settings(ws: EditorDep, template_id: str, form: FormDep) -> Response:
    """The settings panel: category and every template setting, through update_template."""
    raw = {"category": form.get("category") or "custom", "settings": settings_from_form(form)}
    with ws.uow() as uow:
        template = find_template(uow, ws, template_id)
        if template is None:
            return missing_page(ws)
        try:
            update_template(uow, ws.org_id, template.id, parse(TemplateUpdate, raw))
        except InvalidInput as invalid:
            uow.session.rollback()
            template = get_template(uow, ws.org_id, template.id)
            return render_builder(
                ws, uow, template, can_edit=True, status=422,
                settings=form_values(form) | {"send_window.days": _days(form)},
                settings_errors=field_errors(invalid.fields, "settings."), settings_open=True,
            )  # fmt: skip
        return _back(ws, template.id, saved=True)


def _days(form: FormData) -> list[int]:
    return [int(d) for d in form.getlist("send_window.days") if isinstance(d, str) and d.isdigit()]
