"""Steps of a template: list, add, change, delete, reorder."""

from __future__ import annotations

from typing import Any

from sequences_core.db.models import SequenceStep
from sequences_core.services import steps as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import (
    Deleted,
    StepCreate,
    StepList,
    StepOut,
    StepReorder,
    StepsQuery,
    StepUpdate,
)
from tracking_app.state import org, unit

TAG = "steps"


@API.route(bp, "/steps", "GET", tag=TAG, query=StepsQuery, response=StepList, errors=(404,))
def list_steps(query: StepsQuery) -> dict[str, Any]:
    """A template's steps in order."""
    return {"items": service.list_steps(unit(), org(), query.template_id)}


@API.route(
    bp, "/steps", "POST", tag=TAG, body=StepCreate, response=StepOut, status=201, errors=(404,)
)
def create_step(body: StepCreate) -> SequenceStep:
    """Add a step (at `position`, or at the end); its config is validated for its type."""
    return service.add_step(
        unit(), org(), body.template_id, body.type.value, body.config, body.position
    )


@API.route(bp, "/steps/<step_id>", "PUT", tag=TAG, body=StepUpdate, response=StepOut)
def update_step(step_id: str, body: StepUpdate) -> SequenceStep:
    """Replace a step's config (and optionally its type)."""
    return service.update_step(
        unit(), org(), step_id, config=body.config, step_type=body.type.value if body.type else None
    )


@API.route(bp, "/steps/<step_id>", "DELETE", tag=TAG, response=Deleted)
def delete_step(step_id: str) -> dict[str, Any]:
    """Delete a step; enrollments past it keep their place."""
    service.delete_step(unit(), org(), step_id)
    return {"id": step_id}


@API.route(
    bp, "/steps/reorder", "POST", tag=TAG, body=StepReorder, response=StepList, errors=(404,)
)
def reorder_steps(body: StepReorder) -> dict[str, Any]:
    """Set the order of a template's steps: list every step id once."""
    return {"items": service.reorder_steps(unit(), org(), body.template_id, list(body.step_ids))}
