"""New sequence: a blank template (name, category, description), or one from the built-in
library; either way the builder opens next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sequences_core.enums import TemplateCategory
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.schemas import TemplateCreate, parse
from sequences_core.services.template_copy import create_from_library, library
from sequences_core.services.templates import create_template
from sequences_ui.editing import EditorDep
from sequences_ui.pages import Workspace
from sequences_ui.routes.sequences import EditPageDep

router = APIRouter()


def _page(
    ws: Workspace, status: int = 200, errors: dict[str, str] | None = None, **values: str
) -> HTMLResponse:
    return ws.page(
        "new_sequence.html",
        status,
        library=library(),
        categories=[c.value for c in TemplateCategory],
        errors=errors or {},
        values=values,
    )


def _field_errors(invalid: InvalidInput) -> dict[str, str]:
    """`body.name` or `name` → `name`: the form's own field names."""
    return {key.rsplit(".", 1)[-1]: message for key, message in invalid.fields.items()}


def _to_builder(ws: Workspace, template_id: object) -> Response:
    return RedirectResponse(ws.url(f"/builder/{template_id}"), status_code=303)


@router.get("/new", response_class=HTMLResponse, name="new_sequence")
def new_sequence(ws: EditPageDep) -> HTMLResponse:
    """Both ways to start; only editors reach it (the list shows the link to them alone)."""
    return _page(ws)


@router.post("/new", name="create_blank_sequence")
def create_blank(
    ws: EditorDep,
    name: Annotated[str, Form(max_length=1000)] = "",
    category: Annotated[str, Form(max_length=100)] = "custom",
    description: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Create an empty template and open it in the builder."""
    raw = {"name": name, "category": category, "description": description.strip() or None}
    try:
        data = parse(TemplateCreate, raw)
    except InvalidInput as invalid:
        return _page(ws, 422, _field_errors(invalid), name=name, category=category,
                     description=description)  # fmt: skip
    with ws.uow() as uow:
        return _to_builder(ws, create_template(uow, ws.org_id, data).id)


@router.post("/new/library", name="create_library_sequence")
def create_from_entry(
    ws: EditorDep,
    key: Annotated[str, Form(max_length=100)] = "",
    library_name: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Create a template and its steps from a library entry and open it in the builder."""
    try:
        with ws.uow() as uow:
            made = create_from_library(uow, ws.org_id, key, library_name.strip() or None)
            return _to_builder(ws, made.id)
    except NotFound:
        return _page(ws, 422, {"key": "choose one of the sequences below"}, key=key,
                     library_name=library_name)  # fmt: skip
    except InvalidInput as invalid:
        errors = {"library_name": "; ".join(_field_errors(invalid).values())}
        return _page(ws, 422, errors, key=key, library_name=library_name)
