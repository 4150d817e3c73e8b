"""Templates: list (with metrics), create, read, update, soft-delete, preview, test-send."""

from __future__ import annotations

from typing import Any

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceTemplate
from sequences_core.schemas import TemplateCreate, TemplateUpdate
from sequences_core.services import metrics as metrics_service
from sequences_core.services import preview as preview_service
from sequences_core.services import template_copy
from sequences_core.services import templates as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import (
    PreviewOut,
    PreviewQuery,
    TemplateDeletedOut,
    TemplateListQuery,
    TemplateOut,
    TemplatePage,
    TestSendBody,
    TestSendOut,
)
from tracking_app.schemas_ui import FromLibrary, LibraryOut
from tracking_app.state import org, state, unit

TAG = "templates"


def with_metrics(templates: list[SequenceTemplate]) -> list[dict[str, Any]]:
    report = metrics_service.metrics(unit(), org(), template_ids=[t.id for t in templates])
    empty = metrics_service.Metrics().finish()
    columns = [name for name in TemplateOut.model_fields if name != "metrics"]
    return [
        {**{name: getattr(t, name) for name in columns},
         "metrics": report.templates.get(t.id, empty)}
        for t in templates
    ]  # fmt: skip


@API.route(bp, "/templates", "GET", tag=TAG, query=TemplateListQuery, response=TemplatePage)
def list_templates(query: TemplateListQuery) -> dict[str, Any]:
    """List templates, newest first, each with its metrics."""
    page = service.list_templates(
        unit(),
        org(),
        category=query.category,
        q=query.q,
        include_deleted=query.include_deleted,
        limit=query.limit,
        cursor=query.cursor,
    )
    return {"items": with_metrics(page.items), "next_cursor": page.next_cursor}


@API.route(bp, "/templates", "POST", tag=TAG, body=TemplateCreate, response=TemplateOut, status=201)
def create_template(body: TemplateCreate) -> dict[str, Any]:
    """Create a template (add its steps next)."""
    return with_metrics([service.create_template(unit(), org(), body)])[0]


@API.route(bp, "/templates/<template_id>", "GET", tag=TAG, response=TemplateOut)
def get_template(template_id: str) -> dict[str, Any]:
    """Read one template with its metrics."""
    return with_metrics([service.get_template(unit(), org(), template_id)])[0]


@API.route(
    bp, "/templates/<template_id>", "PUT", tag=TAG, body=TemplateUpdate, response=TemplateOut
)
def update_template(template_id: str, body: TemplateUpdate) -> dict[str, Any]:
    """Change a template's name, description, category or settings (only the fields given)."""
    return with_metrics([service.update_template(unit(), org(), template_id, body)])[0]


@API.route(bp, "/templates/<template_id>", "DELETE", tag=TAG, response=TemplateDeletedOut)
def delete_template(template_id: str) -> dict[str, Any]:
    """Soft-delete a template: its history stays, its live enrollments stop."""
    stopped = service.delete_template(unit(), org(), template_id)
    return {"id": template_id, "stopped_enrollments": stopped}


@API.route(
    bp,
    "/templates/<template_id>/preview",
    "GET",
    tag=TAG,
    query=PreviewQuery,
    response=PreviewOut,
    errors=(409,),
)
def preview(template_id: str, query: PreviewQuery) -> dict[str, Any]:
    """Every email step rendered for a lead, exactly as it would be sent.

    A step the lead cannot get (a variable it lacks) has `error` instead of content.
    """
    steps = preview_service.preview_template(
        unit(), state().dispatch(), org(), template_id, query.lead_id, utcnow()
    )
    emails = []
    for item in steps:
        email: dict[str, Any] = {
            "step_id": item.step_id, "position": item.position, "error": item.error,
            "subject": None, "html": None, "text": None, "headers": None,
        }  # fmt: skip
        if item.composed is not None:
            env = item.composed.envelope
            email |= {
                "subject": item.composed.subject,
                "html": item.composed.html,
                "text": item.composed.text,
                "headers": {
                    "from": env.from_email, "to": env.to_email, "reply_to": env.reply_to,
                    "subject": env.subject, "message_id": env.message_id,
                    "in_reply_to": env.in_reply_to,
                    "list_unsubscribe": f"<{env.unsubscribe_url}>",
                    "list_unsubscribe_post": "List-Unsubscribe=One-Click",
                },
            }  # fmt: skip
        emails.append(email)
    return {"template_id": template_id, "lead_id": query.lead_id, "emails": emails}


@API.route(
    bp,
    "/templates/<template_id>/test-send",
    "POST",
    tag=TAG,
    body=TestSendBody,
    response=TestSendOut,
    errors=(409,),
)
def test_send(template_id: str, body: TestSendBody) -> preview_service.TestEmail:
    """Send one email step (the first by default) to an address at your own domains."""
    app_state = state()
    ctx = app_state.dispatch()
    return preview_service.send_test_email(
        unit(),
        ctx,
        ctx.sender,
        org(),
        template_id,
        to=body.to,
        lead_id=body.lead_id,
        step_id=body.step_id,
        now=utcnow(),
    )


@API.route(bp, "/templates/library", "GET", tag=TAG, response=LibraryOut)
def template_library() -> dict[str, Any]:
    """The built-in sequences (cold outreach, nurture, follow-up, win-back) to start from."""
    items = [
        {**entry.template.model_dump(mode="json"), "key": entry.key, "emails": entry.emails,
         "steps": [{"type": s.type, "config": s.config} for s in entry.steps]}
        for entry in template_copy.library()
    ]  # fmt: skip
    return {"items": items}


@API.route(
    bp, "/templates/from-library", "POST", tag=TAG, body=FromLibrary, response=TemplateOut,
    status=201, errors=(404,),
)  # fmt: skip
def create_from_library(body: FromLibrary) -> dict[str, Any]:
    """Create a template and its steps from a library entry."""
    made = template_copy.create_from_library(unit(), org(), body.key, body.name)
    return with_metrics([made])[0]


@API.route(
    bp, "/templates/<template_id>/duplicate", "POST", tag=TAG, response=TemplateOut, status=201,
    errors=(404,),
)  # fmt: skip
def duplicate_template(template_id: str) -> dict[str, Any]:
    """Copy a template and its steps as "<name> (copy)" (no enrollments)."""
    return with_metrics([template_copy.duplicate_template(unit(), org(), template_id)])[0]


@API.route(
    bp, "/templates/<template_id>/restore", "POST", tag=TAG, response=TemplateOut, errors=(404,)
)
def restore_template(template_id: str) -> dict[str, Any]:
    """Restore a soft-deleted template (the enrollments its deletion stopped stay stopped)."""
    return with_metrics([template_copy.restore_template(unit(), org(), template_id)])[0]
