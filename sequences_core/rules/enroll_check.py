"""Which variable of a template's emails a lead lacks: the render the dispatcher does, run
before enrolling, so the enrollment modal can say "12 leads would pause at step 3 for
`company`" instead of the engine pausing them days later. Pure: steps and lead values in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sequences_core.rules.render import MissingVariable, Renderer, lead_variables
from sequences_core.rules.template_sandbox import RenderFailed

# What compose_email adds besides the lead's own values (their content does not matter here).
_SENDER = {"sender": {"name": "", "email": "sender@example.invalid"}, "unsubscribe_url": "#"}


@dataclass(frozen=True)
class EmailStep:
    id: uuid.UUID
    version: int
    position: int
    config: Mapping[str, Any]


@dataclass(frozen=True)
class LeadValues:
    fields: Mapping[str, Any]  # first_name, last_name, company, title, email
    custom: Mapping[str, Any]

    def signature(self) -> tuple[frozenset[str], frozenset[str]]:
        """Which values are present: leads alike in this render alike (barring `{% if %}`
        on a value, which the render of the first of them decides for all)."""
        present = lead_variables(self.fields, {})
        return frozenset(present), frozenset(lead_variables({}, self.custom))


def first_missing(renderer: Renderer, steps: Sequence[EmailStep], lead: LeadValues) -> str | None:
    """`missing_variable: company (step 3)` for the first email the lead cannot get, else None.
    A template that breaks a render rule is the dispatcher's `render_error` pause, not this."""
    variables = {**lead_variables(lead.fields, lead.custom), **_SENDER}
    for step in steps:
        try:
            renderer.render(step.id, step.version, step.config, variables)
        except MissingVariable as missing:
            return f"missing_variable: {missing.name} (step {step.position + 1})"
        except RenderFailed:
            continue
    return None


def missing_by_lead(
    steps: Sequence[EmailStep], leads: Iterable[tuple[uuid.UUID, LeadValues]]
) -> dict[uuid.UUID, str]:
    """Lead → the first variable it lacks, for the leads lacking one; one render per set of
    present values, not per lead."""
    renderer = Renderer()
    decided: dict[tuple[frozenset[str], frozenset[str]], str | None] = {}
    missing: dict[uuid.UUID, str] = {}
    for lead_id, values in leads:
        key = values.signature()
        if key not in decided:
            decided[key] = first_missing(renderer, steps, values)
        found = decided[key]
        if found is not None:
            missing[lead_id] = found
    return missing
