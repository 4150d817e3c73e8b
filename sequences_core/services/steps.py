"""Steps of a template: add, edit, delete, reorder — positions stay dense (0..n-1)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text, update

from sequences_core.db.models import SequenceEnrollment, SequenceStep
from sequences_core.db.repository import as_uuid, get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput
from sequences_core.rules.step_graph import check_graph
from sequences_core.schemas import keep_stored_secrets, validate_step_config
from sequences_core.services.templates import get_template


def list_steps(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str
) -> list[SequenceStep]:
    template = get_template(uow, org_id, template_id, include_deleted=True)
    return list(
        uow.session.scalars(
            select(SequenceStep)
            .where(SequenceStep.organization_id == org_id, SequenceStep.template_id == template.id)
            .order_by(SequenceStep.position)
        )
    )


def _count(uow: UnitOfWork, template_id: uuid.UUID) -> int:
    return int(
        uow.session.scalar(select(func.count()).where(SequenceStep.template_id == template_id)) or 0
    )


def _shift_enrollments(uow: UnitOfWork, template_id: uuid.UUID, *, after: int, by: int) -> None:
    uow.session.execute(
        update(SequenceEnrollment)
        .where(
            SequenceEnrollment.template_id == template_id,
            SequenceEnrollment.current_step > after,
        )
        .values(current_step=SequenceEnrollment.current_step + by)
    )


def _check_graph(uow: UnitOfWork, template_id: uuid.UUID, edited: uuid.UUID | None) -> None:
    """Refuse a change that leaves a branch pointing nowhere or a loop without a wait; the
    error names the step (as `config.<branch>` when it is the step being edited)."""
    uow.session.flush()
    steps = uow.session.scalars(
        select(SequenceStep)
        .where(SequenceStep.template_id == template_id)
        .order_by(SequenceStep.position)
    )
    report = check_graph(list(steps))
    if report.errors:
        own = f"steps.{edited}."
        fields = {k.removeprefix(own): v for k, v in report.errors.items()}
        raise InvalidInput("The steps would not form a sequence the engine can run", fields)


def add_step(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    step_type: str,
    config: Any,
    position: int | None = None,
) -> SequenceStep:
    """Append, or insert at `position` shifting later steps down.

    Enrollments already past `position` keep pointing at the step they were on,
    so they do not run a step inserted behind them.
    """
    template = get_template(uow, org_id, template_id, for_update=True)
    normalised = validate_step_config(step_type, config)
    size = _count(uow, template.id)
    if position is None:
        position = size
    if not 0 <= position <= size:
        raise InvalidInput("Bad position", {"position": f"must be between 0 and {size}"})
    uow.session.execute(
        update(SequenceStep)
        .where(SequenceStep.template_id == template.id, SequenceStep.position >= position)
        .values(position=SequenceStep.position + 1)
    )
    _shift_enrollments(uow, template.id, after=position, by=1)
    step = SequenceStep(
        organization_id=org_id,
        template_id=template.id,
        position=position,
        type=step_type,
        config=normalised,
    )
    uow.session.add(step)
    uow.session.flush()
    _check_graph(uow, template.id, step.id)
    uow.commit()
    return step


def update_step(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    step_id: uuid.UUID | str,
    *,
    config: Any,
    step_type: str | None = None,
) -> SequenceStep:
    """Replace the config whole; masked secrets sent back (a webhook's) keep their values."""
    step = get_owned(uow.session, SequenceStep, org_id, step_id, what="step", for_update=True)
    kind = step_type or step.type
    stored = step.config if kind == step.type else None
    step.config = validate_step_config(kind, keep_stored_secrets(kind, config, stored))
    step.type = kind
    step.version += 1  # the renderer caches compiled templates per step version
    _check_graph(uow, step.template_id, step.id)
    uow.commit()
    return step


def delete_step(uow: UnitOfWork, org_id: uuid.UUID, step_id: uuid.UUID | str) -> None:
    """Remove a step; enrollments past it keep their place in what follows, and an enrollment
    on it goes on with the step that takes its place (past the last step: it completes)."""
    step = get_owned(uow.session, SequenceStep, org_id, step_id, what="step", for_update=True)
    template_id, position = step.template_id, step.position
    uow.session.delete(step)
    uow.session.flush()
    uow.session.execute(
        update(SequenceStep)
        .where(SequenceStep.template_id == template_id, SequenceStep.position > position)
        .values(position=SequenceStep.position - 1)
    )
    _shift_enrollments(uow, template_id, after=position, by=-1)
    _check_graph(uow, template_id, None)
    uow.commit()


def reorder_steps(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    step_ids: list[uuid.UUID | str],
) -> list[SequenceStep]:
    """Set the order to exactly `step_ids`; they must be this template's steps, each once."""
    steps = {s.id: s for s in list_steps(uow, org_id, template_id)}
    wanted = [as_uuid(s, "step_ids") for s in step_ids]
    if len(set(wanted)) != len(wanted) or set(wanted) != set(steps):
        raise InvalidInput(
            "Reorder must list every step of the template exactly once",
            {"step_ids": f"expected the {len(steps)} step ids of this template, each once"},
        )
    before = {s.position: s.id for s in steps.values()}
    for position, ident in enumerate(wanted):
        steps[ident].position = position  # the unique constraint is deferred to commit
    template_id = next(iter(steps.values())).template_id
    _keep_enrollments_on_their_step(uow, template_id, before, {i: p for p, i in enumerate(wanted)})
    _check_graph(uow, template_id, None)
    uow.commit()
    return [steps[i] for i in wanted]


def _keep_enrollments_on_their_step(
    uow: UnitOfWork, template_id: uuid.UUID, before: dict[int, uuid.UUID],
    after: dict[uuid.UUID, int],
) -> None:  # fmt: skip
    """A reorder moves steps, not enrollments: each live enrollment stays on the step it was
    on, wherever that step now stands (a sent email is never sent again: its execution is
    matched by step id)."""
    moves = {old: after[ident] for old, ident in before.items() if after[ident] != old}
    if moves:
        uow.session.execute(
            _MOVE_ENROLLMENTS,
            {"template": template_id, "old": list(moves), "new": list(moves.values())},
        )


_MOVE_ENROLLMENTS = text("""
UPDATE sequence_enrollments e SET current_step = m.new, updated_at = now()
FROM unnest(CAST(:old AS int[]), CAST(:new AS int[])) AS m(old, new)
WHERE e.template_id = :template AND e.current_step = m.old AND e.status IN ('active', 'paused')
""")
