"""Steps of a template: list, add, change, delete, reorder."""

from __future__ import annotations

from typing import Any

from sequences_core.db.models import SequenceStep
from sequences_core.enums import StepType
from sequences_core.rules.step_graph import check_graph
from sequences_core.services import steps as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import (
    Deleted,
    StepCreate,
    StepList,
    StepOut,
    StepReorder,
    StepSaved,
    StepsQuery,
    StepUpdate,
)
from tracking_app.state import org, unit

TAG = "steps"


@API.route(bp, "/steps", "GET", tag=TAG, query=StepsQuery, response=StepList, errors=(404,))
def list_steps(query: StepsQuery) -> dict[str, Any]:
    """A template's steps in order, with warnings about their graph (a step no path reaches)."""
    steps = service.list_steps(unit(), org(), query.template_id)
    return {"items": steps, "warnings": check_graph(steps).warnings}


def _saved(step: SequenceStep, sent: dict[str, Any]) -> dict[str, Any]:
    """The step as saved; a webhook's secret in clear only when this request generated it
    (the config named none), since no later answer shows it."""
    generated = step.type == StepType.WEBHOOK and sent.get("secret") is None
    return {
        **{name: getattr(step, name) for name in StepOut.model_fields},
        "generated_secret": step.config["secret"] if generated else None,
    }


@API.route(
    bp, "/steps", "POST", tag=TAG, body=StepCreate, response=StepSaved, status=201, errors=(404,)
)
def create_step(body: StepCreate) -> dict[str, Any]:
    """Add a step (at `position`, or at the end); its config is validated for its type.

    A webhook step saved without a `secret` gets one, shown in this answer only
    (`generated_secret`); answers show every secret as `********`.
    """
    step = service.add_step(
        unit(), org(), body.template_id, body.type.value, body.config, body.position
    )
    return _saved(step, body.config)


@API.route(bp, "/steps/<step_id>", "PUT", tag=TAG, body=StepUpdate, response=StepSaved)
def update_step(step_id: str, body: StepUpdate) -> dict[str, Any]:
    """Replace a step's config (and optionally its type).

    A webhook's secrets sent back as `********` keep their stored values; a config without
    a `secret` gets a new one, shown in this answer only (`generated_secret`).
    """
    step = service.update_step(
        unit(), org(), step_id, config=body.config, step_type=body.type.value if body.type else None
    )
    return _saved(step, body.config)


@API.route(bp, "/steps/<step_id>", "DELETE", tag=TAG, response=Deleted)
def delete_step(step_id: str) -> dict[str, Any]:
    """Delete a step; enrollments past it keep their place."""
    service.delete_step(unit(), org(), step_id)
    return {"id": step_id}


@API.route(
    bp, "/steps/reorder", "POST", tag=TAG, body=StepReorder, response=StepList, errors=(404,)
)
def reorder_steps(body: StepReorder) -> dict[str, Any]:
    """Set the order of a template's steps: list every step id once.

    Each live enrollment stays on the step it was on; a branch keeps its target (by id).
    """
    steps = service.reorder_steps(unit(), org(), body.template_id, list(body.step_ids))
    return {"items": steps, "warnings": check_graph(steps).warnings}
