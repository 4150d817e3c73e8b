"""New templates made from others: a copy of an organization's template, a template from the
built-in library, and restoring an archived one.

A template and its steps are written in one transaction, every step config validated by the
same schemas as API input and the step graph checked before anything is stored, so a copy or
a library entry is never half there.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sequences_core.db.models import SequenceStep, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.ids import new_id
from sequences_core.library import LIBRARY
from sequences_core.rules.step_graph import check_graph
from sequences_core.schemas import TemplateCreate, new_webhook_secret, parse, validate_step_config
from sequences_core.services.templates import get_template

COPY_SUFFIX = " (copy)"


@dataclass(frozen=True)
class PlannedStep:
    """A step about to be stored: its id is chosen first so branches can name it."""

    id: uuid.UUID
    type: str
    config: dict[str, Any]


@dataclass(frozen=True)
class LibraryEntry:
    key: str
    template: TemplateCreate
    steps: list[PlannedStep]

    @property
    def emails(self) -> int:
        return sum(1 for s in self.steps if s.type == "email")


def planned_steps(raw: list[dict[str, Any]]) -> list[PlannedStep]:
    """Validate step configs as the steps API does and check they form a runnable graph."""
    steps = [
        PlannedStep(new_id(), item["type"], validate_step_config(item["type"], item["config"]))
        for item in raw
    ]
    report = check_graph(steps)
    if report.errors:
        raise InvalidInput("The steps would not form a sequence the engine can run", report.errors)
    return steps


def store_template(
    uow: UnitOfWork, org_id: uuid.UUID, data: TemplateCreate, steps: list[PlannedStep]
) -> SequenceTemplate:
    """The template and its steps in one transaction."""
    template = SequenceTemplate(
        organization_id=org_id,
        name=data.name,
        description=data.description,
        category=data.category.value,
        settings=data.settings.model_dump(mode="json"),
    )
    uow.session.add(template)
    uow.session.flush()
    uow.session.add_all(
        SequenceStep(
            id=step.id,
            organization_id=org_id,
            template_id=template.id,
            position=position,
            type=step.type,
            config=step.config,
        )
        for position, step in enumerate(steps)
    )
    uow.session.flush()
    uow.commit()
    return template


def _copied_configs(stored: list[SequenceStep]) -> list[dict[str, Any]]:
    """The steps' configs with every reference to an old step id (branch targets, behaviour
    rules) pointing at its copy, and a webhook's signing secret new (a secret is shown once,
    to whoever made the step: the copy's owner gets their own)."""
    mapping = {str(step.id): str(new_id()) for step in stored}
    copied = []
    for step in stored:
        text = json.dumps(step.config)
        for old, new in mapping.items():
            text = text.replace(old, new)
        config = json.loads(text)
        if step.type == "webhook":
            config["secret"] = new_webhook_secret()
        copied.append({"id": mapping[str(step.id)], "type": step.type, "config": config})
    return copied


def duplicate_template(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str
) -> SequenceTemplate:
    """A new template named "<name> (copy)" with the same settings and steps (no enrollments)."""
    source = get_template(uow, org_id, template_id, include_deleted=True)
    stored = list(
        uow.session.scalars(
            select(SequenceStep)
            .where(SequenceStep.organization_id == org_id, SequenceStep.template_id == source.id)
            .order_by(SequenceStep.position)
        )
    )
    name = source.name[: 200 - len(COPY_SUFFIX)] + COPY_SUFFIX
    data = parse(
        TemplateCreate,
        {
            "name": name,
            "description": source.description,
            "category": source.category,
            "settings": source.settings,
        },
    )
    steps = [
        PlannedStep(uuid.UUID(item["id"]), item["type"], item["config"])
        for item in _copied_configs(stored)
    ]
    return store_template(uow, org_id, data, steps)


def restore_template(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str
) -> SequenceTemplate:
    """Undo an archive. Enrollments the archive stopped stay stopped (their leads may have
    been enrolled elsewhere since); enrol them again to restart them."""
    template = get_template(uow, org_id, template_id, include_deleted=True, for_update=True)
    template.deleted_at = None
    uow.session.flush()
    uow.commit()
    return template


def library_entry(key: str) -> LibraryEntry:
    """One library entry, validated as API input would be."""
    raw = LIBRARY.get(key)
    if raw is None:
        raise NotFound(f"no library entry {key!r}")
    return LibraryEntry(key, parse(TemplateCreate, raw["template"]), planned_steps(raw["steps"]))


def library() -> list[LibraryEntry]:
    return [library_entry(key) for key in LIBRARY]


def create_from_library(
    uow: UnitOfWork, org_id: uuid.UUID, key: str, name: str | None = None
) -> SequenceTemplate:
    """A new template from a library entry, under `name` if given."""
    entry = library_entry(key)
    data = entry.template
    if name is not None and name.strip():
        data = parse(TemplateCreate, {**data.model_dump(mode="json"), "name": name})
    return store_template(uow, org_id, data, entry.steps)
