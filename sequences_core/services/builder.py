"""What the template builder asks besides the step and template services: a new step's
starting config, the variables this organization's leads have, a step's problems before it
is saved, its preview from unsaved values, and the template's best-practice warnings.

Nothing here writes except `new_step` (through `steps.add_step`): checking and previewing a
step that is being typed must never change what is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sequences_core.db import builder_sql as sql
from sequences_core.db.models import Lead, SequenceStep, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import LIVE_ENROLLMENT_STATUSES, StepType
from sequences_core.errors import InvalidInput
from sequences_core.rules import best_practice
from sequences_core.rules.compose import Composed, Thread, compose_email
from sequences_core.rules.render import MissingVariable, Renderer
from sequences_core.rules.step_graph import check_graph
from sequences_core.rules.template_sandbox import RenderFailed
from sequences_core.rules.template_variables import (
    ALWAYS_PRESENT,
    LEAD_VARIABLES,
    step_sources,
    step_variables,
    used_variables,
)
from sequences_core.rules.tokens import Tokens
from sequences_core.schemas import keep_stored_secrets, template_settings, validate_step_config
from sequences_core.services.leads import get_lead, list_leads
from sequences_core.services.preview import _mailbox_for
from sequences_core.services.steps import add_step, list_steps
from sequences_core.services.templates import get_template

KEY_SAMPLE = 5_000  # leads whose custom-field keys the variable helper reads
MAX_KEYS = 200
MAX_LACKING_NAMES = 50

# What a step added from the palette starts with: valid, and close to the seed's advice.
DEFAULT_CONFIGS: dict[str, dict[str, Any]] = {
    StepType.EMAIL: {
        "subject": "Quick question, {{ first_name | default('there') }}",
        "html": "<p>Hi {{ first_name | default('there') }},</p>\n<p></p>\n"
        "<p>{{ sender.name }}</p>\n"
        '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    },
    StepType.WAIT: {"days": 3},
    StepType.TASK: {"title": "Call {{ first_name | default('the lead') }}", "due_in_days": 1},
    StepType.CONDITION: {
        "rules": {"all": [{"event": "opened", "step": "any", "within": {"days": 3}}]},
        "if_true": "next",
        "if_false": "end",
    },
    StepType.WEBHOOK: {"url": "https://hooks.example.com/sequences", "method": "POST"},
}


def new_step(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str, step_type: str
) -> SequenceStep:
    """Append a step of this type with its starting config (a webhook gets a new secret)."""
    if step_type not in DEFAULT_CONFIGS:
        allowed = ", ".join(DEFAULT_CONFIGS)
        raise InvalidInput("Unknown step type", {"type": f"must be one of {allowed}"})
    return add_step(uow, org_id, template_id, step_type, dict(DEFAULT_CONFIGS[step_type]))


def custom_field_keys(uow: UnitOfWork, org_id: uuid.UUID) -> list[str]:
    """Custom-field names the organization's leads have (a bounded sample), sorted."""
    rows = uow.session.execute(
        sql.CUSTOM_FIELD_KEYS, {"org": org_id, "sample": KEY_SAMPLE, "keys": MAX_KEYS}
    )
    return [str(row[0]) for row in rows]


def search_leads(uow: UnitOfWork, org_id: uuid.UUID, q: str, limit: int = 10) -> list[Lead]:
    """Leads for the preview's picker: email, name or company containing `q`."""
    return list(list_leads(uow, org_id, q=q.strip() or None, limit=limit).items)


# --- checking a step before it is saved ---------------------------------------------------


@dataclass(frozen=True)
class PlainNode:
    id: uuid.UUID
    type: str
    config: Mapping[str, Any]


@dataclass(frozen=True)
class StepCheck:
    """`errors` refuse the save (field → message, `config.` prefix dropped); `notes` do not."""

    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] | None = None  # normalised, when there are no errors


def _stored(steps: Sequence[SequenceStep], step_id: uuid.UUID | None) -> SequenceStep | None:
    return next((s for s in steps if s.id == step_id), None)


def _graph_errors(
    steps: Sequence[SequenceStep], step_id: uuid.UUID, step_type: str, config: dict[str, Any]
) -> dict[str, str]:
    """The graph with this step's unsaved config in place (appended if it is new)."""
    nodes = [PlainNode(s.id, s.type, s.config) for s in steps if s.id != step_id]
    edited = PlainNode(step_id, step_type, config)
    position = next((i for i, s in enumerate(steps) if s.id == step_id), len(nodes))
    nodes.insert(position, edited)
    own = f"steps.{step_id}.config."
    report = check_graph(nodes)
    return {k.removeprefix(own): v for k, v in report.errors.items() if k.startswith(own)}


def _unknown_variables(
    step_type: str, config: Mapping[str, Any], known: set[str]
) -> dict[str, str]:
    """Fields using a custom field no lead of the organization has, without a default."""
    notes: dict[str, str] = {}
    for part, source in step_sources(step_type, dict(config)).items():
        unknown = sorted(used_variables(source).required - known - ALWAYS_PRESENT - LEAD_VARIABLES)
        if unknown:
            notes[part] = (
                f"missing variable without a default: no lead here has {', '.join(unknown)}; "
                f"leads without it pause at this step. Write "
                f"{{{{ {unknown[0]} | default('…') }}}} to give it a fallback."
            )
    return notes


def check_step(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    step_id: uuid.UUID | None,
    step_type: str,
    raw: Any,
) -> StepCheck:
    """What saving these values would refuse (syntax naming the line, a bad URL, a branch to
    nowhere, …) and what it would not but should be looked at (unknown variables)."""
    steps = list_steps(uow, org_id, template_id)
    stored = _stored(steps, step_id)
    raw = keep_stored_secrets(step_type, raw, stored.config if stored else None)
    try:
        config = validate_step_config(step_type, raw)
    except InvalidInput as invalid:
        fields = {k.removeprefix("config."): v for k, v in invalid.fields.items()}
        return StepCheck(errors=fields)
    errors = _graph_errors(steps, step_id or uuid.uuid4(), step_type, config)
    notes = _unknown_variables(step_type, config, set(custom_field_keys(uow, org_id)))
    return StepCheck(errors=errors, notes=notes, config=None if errors else config)


# --- previewing unsaved values ------------------------------------------------------------


@dataclass(frozen=True)
class PreviewContext:
    """What composing needs (`compose.ComposeContext`); a renderer of its own per preview,
    so unsaved drafts never fill a shared template cache."""

    tokens: Tokens
    public_url: str
    renderer: Renderer = field(default_factory=Renderer)
    unsubscribe_mailto: str | None = None


@dataclass(frozen=True)
class StepPreview:
    composed: Composed | None
    error: str | None  # why this lead would not get it (a missing variable, a render error)
    missing: str | None = None  # the variable the lead lacks, if that is why


def _thread(
    uow: UnitOfWork, ctx: PreviewContext, lead: Lead, steps: Sequence[SequenceStep],
    step: SequenceStep, template: SequenceTemplate, now: datetime,
) -> Thread:  # fmt: skip
    """A follow-up answers the first email's thread: that email's subject, for this lead."""
    first = next((s for s in steps if s.type == StepType.EMAIL), None)
    if first is None or first.id == step.id or first.position > step.position:
        return Thread()
    settings = template_settings(template.settings)
    mailbox = _mailbox_for(uow, lead.organization_id, first)
    try:
        opening = compose_email(
            ctx, execution_id=uuid.uuid4(), lead=lead, mailbox=mailbox, step=first,
            settings=settings, thread=Thread(), now=now, preview=True,
        )  # fmt: skip
    except (MissingVariable, RenderFailed):
        return Thread()
    return Thread(opening.envelope.message_id, opening.subject)


def preview_step(
    uow: UnitOfWork,
    ctx: PreviewContext,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    lead_id: uuid.UUID | str,
    step_id: uuid.UUID | None,
    raw: Any,
    now: datetime,
) -> StepPreview:
    """An email step's unsaved values as this lead would get them, through the dispatcher's
    composition (tracking links, unsubscribe footer, text part); InvalidInput if the values
    would not save."""
    template = get_template(uow, org_id, template_id)
    lead = get_lead(uow, org_id, lead_id)
    config = validate_step_config(StepType.EMAIL, raw)
    steps = list_steps(uow, org_id, template.id)
    stored = _stored(steps, step_id)
    step = SequenceStep(
        id=step_id or uuid.uuid4(),
        organization_id=org_id,
        template_id=template.id,
        position=stored.position if stored else len(steps),
        type=StepType.EMAIL.value,
        config=config,
        version=0,
    )
    thread = _thread(uow, ctx, lead, steps, step, template, now)
    try:
        composed = compose_email(
            ctx, execution_id=uuid.uuid4(), lead=lead, mailbox=_mailbox_for(uow, org_id, step),
            step=step, settings=template_settings(template.settings), thread=thread, now=now,
            preview=True,
        )  # fmt: skip
    except MissingVariable as missing:
        return StepPreview(None, f"missing: {missing.name}", missing.name)
    except RenderFailed as failed:
        return StepPreview(None, f"render_error: {failed.reason}")
    return StepPreview(composed, None)


# --- best-practice warnings ---------------------------------------------------------------


def lacking_variables(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID, steps: Sequence[SequenceStep]
) -> list[best_practice.Lacking]:
    """For each step's required lead and custom-field variables: how many live enrollments'
    leads lack it (one query for all of them)."""
    needed = {s.position: step_variables(s.type, s.config).required - ALWAYS_PRESENT for s in steps}
    names = sorted(set().union(*needed.values()))[:MAX_LACKING_NAMES] if needed else []
    if not names:
        return []
    rows = uow.session.execute(
        sql.LACKING_VARIABLES,
        {
            "org": org_id,
            "template": template_id,
            "names": names,
            "statuses": [s.value for s in LIVE_ENROLLMENT_STATUSES],
        },
    )
    counts = {str(name): (int(missing), int(enrolled)) for name, missing, enrolled in rows}
    return [
        best_practice.Lacking(position, name, *counts[name])
        for position, required in sorted(needed.items())
        for name in sorted(required)
        if name in counts
    ]


def template_warnings(
    uow: UnitOfWork, org_id: uuid.UUID, template: SequenceTemplate, steps: Sequence[SequenceStep]
) -> list[best_practice.Advice]:
    settings = template_settings(template.settings)
    return best_practice.best_practice_warnings(
        template.category,
        settings.send_window.days,
        [best_practice.PlainStep(s.type, s.config) for s in steps],
        lacking_variables(uow, org_id, template.id, steps),
    )


def lead_label(lead: Lead) -> str:
    name = " ".join(filter(None, [lead.first_name, lead.last_name]))
    return f"{name} <{lead.email}>" if name else lead.email


def first_lead(uow: UnitOfWork, org_id: uuid.UUID) -> Lead | None:
    """The preview's lead until one is picked: the organization's oldest."""
    return uow.session.scalars(
        select(Lead).where(Lead.organization_id == org_id).order_by(Lead.created_at).limit(1)
    ).first()
