"""The step editor's live helpers, called by static/builder.js as the user types: check the
unsaved values (errors at their fields, notes), preview an email for a lead, find leads for
the preview's picker, and make one test call of a webhook. None of them stores anything;
the three that read a form are POSTs carrying the form token.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceStep
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import DomainError, InvalidInput, NotFound
from sequences_core.rules.tokens import Tokens
from sequences_core.services import builder as service
from sequences_core.services.webhook_test import test_call
from sequences_ui.editing import EditorDep
from sequences_ui.pages import CheckedDep, Workspace, WorkspaceDep, settings
from sequences_ui.routes.builder import FormDep, find_step, find_template
from sequences_ui.step_forms import FormProblem, field_errors, step_config

router = APIRouter()


def _json(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status)


def _step(uow: UnitOfWork, ws: Workspace, template_id: str, step_id: str) -> SequenceStep | None:
    try:
        return find_step(uow, ws, template_id, step_id)
    except NotFound:
        return None


@router.post("/builder/{template_id}/steps/{step_id}/check", name="builder_check_step")
def check(ws: CheckedDep, template_id: str, step_id: str, form: FormDep) -> JSONResponse:
    """Errors the save would refuse (by field) and notes it would not."""
    with ws.uow() as uow:
        step = _step(uow, ws, template_id, step_id)
        if step is None:
            return _json({"error": "No such step"}, 404)
        try:
            raw = step_config(step.type, form)
        except FormProblem as problem:
            return _json({"errors": problem.fields, "notes": {}})
        found = service.check_step(uow, ws.org_id, step.template_id, step.id, step.type, raw)
        return _json({"errors": found.errors, "notes": found.notes})


def _preview_context() -> service.PreviewContext:
    current = settings()
    return service.PreviewContext(Tokens(current.secret_key), current.public_url)


# The email's own HTML as the preview frame's document. A srcdoc frame inherits the builder
# page's policy, which forbids inline styles (and emails are made of them); this document has
# its own: styles yes, scripts and everything remote no, and `sandbox` keeps it without our
# origin even if opened on its own.
EMAIL_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "font-src data:; form-action 'none'; frame-ancestors 'self'"
)


def _previewed(
    ws: Workspace, template_id: str, step_id: str, form: Any
) -> tuple[dict[str, Any], int]:
    """The unsaved email as the chosen lead would get it, or why not (not saved, not sent)."""
    lead_id = form.get("lead_id")
    with ws.uow() as uow:
        step = _step(uow, ws, template_id, step_id)
        if step is None or step.type != "email":
            return {"error": "Only email steps have a preview"}, 404
        if not isinstance(lead_id, str) or not lead_id:
            return {"error": "Pick a lead to preview this email for"}, 422
        try:
            shown = service.preview_step(
                uow, _preview_context(), ws.org_id, step.template_id, lead_id, step.id,
                step_config("email", form), utcnow(),
            )  # fmt: skip
        except InvalidInput as invalid:
            fields = field_errors(invalid.fields, "config.")
            return {"error": "Fix the fields first", "errors": fields}, 422
        except DomainError as failed:  # no such lead, no mailbox yet
            return {"error": failed.message}, failed.status
        if shown.composed is None:
            return {"error": shown.error, "missing": shown.missing}, 200
        env = shown.composed.envelope
        return {
            "subject": shown.composed.subject,
            "html": shown.composed.html,
            "text": shown.composed.text,
            "from": f"{env.from_name} <{env.from_email}>" if env.from_name else env.from_email,
            "to": env.to_email,
        }, 200


@router.post("/builder/{template_id}/steps/{step_id}/preview", name="builder_preview_step")
def preview(ws: CheckedDep, template_id: str, step_id: str, form: FormDep) -> JSONResponse:
    """Subject, sender, recipient and text part of the unsaved email, for the editor."""
    return _json(*_previewed(ws, template_id, step_id, form))


@router.post("/builder/{template_id}/steps/{step_id}/preview/html", name="builder_preview_html")
def preview_html(ws: CheckedDep, template_id: str, step_id: str, form: FormDep) -> HTMLResponse:
    """The unsaved email's HTML part, loaded into the sandboxed preview frame."""
    content, status = _previewed(ws, template_id, step_id, form)
    html = content.get("html")
    if html is None:
        html = f"<p>{escape(content.get('error') or 'No preview.')}</p>"
    return HTMLResponse(html, status, headers={"Content-Security-Policy": EMAIL_CSP})


@router.get("/builder/{template_id}/leads", name="builder_leads")
def leads(
    ws: WorkspaceDep, template_id: str, q: Annotated[str, Query(max_length=200)] = ""
) -> JSONResponse:
    """Leads for the preview's picker (ten at most, matching `q`)."""
    with ws.uow() as uow:
        if find_template(uow, ws, template_id) is None:
            return _json({"error": "No such template"}, 404)
        found = service.search_leads(uow, ws.org_id, q)
        return _json({"leads": [{"id": str(x.id), "label": service.lead_label(x)} for x in found]})


@router.post("/builder/{template_id}/steps/{step_id}/test-call", name="builder_test_call")
def webhook_test_call(ws: EditorDep, template_id: str, step_id: str, form: FormDep) -> JSONResponse:
    """One request to the webhook's URL through the SSRF guard; its status and latency, or
    why it was refused."""
    lead_id = form.get("lead_id")
    with ws.uow() as uow:
        step = _step(uow, ws, template_id, step_id)
        if step is None or step.type != "webhook":
            return _json({"error": "Only webhook steps have a test call"}, 404)
        try:
            raw = step_config("webhook", form)
            done = test_call(
                uow, ws.org_id, step.template_id, step.id, raw,
                uuid.UUID(lead_id) if isinstance(lead_id, str) and lead_id else None,
            )  # fmt: skip
        except FormProblem as problem:
            return _json({"error": "Fix the fields first", "errors": problem.fields}, 422)
        except InvalidInput as invalid:
            fields = field_errors(invalid.fields, "config.")
            return _json({"error": "Fix the fields first", "errors": fields}, 422)
        except (DomainError, ValueError) as failed:
            return _json({"error": str(failed)}, 422)
        return _json(
            {
                "outcome": done.outcome,
                "reason": done.reason,
                "status": done.status,
                "milliseconds": round(done.seconds * 1000),
                "address": done.address,
            }
        )
