"""The JSON body of a webhook call: who and what it is about, and the step's own data.

Every call says which enrollment, lead, step, template, organization and execution it comes
from, and the lead's fields, so a receiver needs no second request to act on it. A step's
body template, rendered with the email's variables in the email's sandbox, goes under
`data`; it must render to JSON, or the call is not made.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sequences_core.rules.compose import Recipient
from sequences_core.rules.render import Renderer, lead_variables

EVENT = "sequence.step"
# The lead's variables in a template, as in an email (`compose.lead_fields`), besides
# custom fields.
TEMPLATE_FIELDS = ("first_name", "last_name", "company", "title", "email")


class BodyNotJson(Exception):
    """The body template rendered to something that is not JSON: a permanent failure (the
    same lead and template render the same text on every attempt)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StepRun:
    """Where a call comes from: the ids a receiver reads, and the attempt (1 is the first)."""

    organization_id: uuid.UUID
    template_id: uuid.UUID
    step_id: uuid.UUID
    step_version: int
    enrollment_id: uuid.UUID
    execution_id: uuid.UUID
    attempt: int


def build_body(
    run: StepRun,
    lead: Recipient,
    body_template: str | None,
    renderer: Renderer,
    extra_variables: Mapping[str, Any] | None = None,
) -> bytes:
    """The UTF-8 JSON body. MissingVariable and RenderFailed pass through, as for an email
    (the enrollment pauses); BodyNotJson when the template renders to something else.

    `extra_variables`: the email's variables besides the lead's (`sender`,
    `unsubscribe_url`) when the caller has them.
    """
    fields = lead_fields(lead)
    payload: dict[str, Any] = {
        "event": EVENT,
        "organization_id": str(run.organization_id),
        "template_id": str(run.template_id),
        "step_id": str(run.step_id),
        "enrollment_id": str(run.enrollment_id),
        "lead_id": str(lead.id),
        "execution_id": str(run.execution_id),
        "attempt": run.attempt,
        "lead": fields,
    }
    if body_template:
        own = {name: fields[name] for name in TEMPLATE_FIELDS}
        variables = {**lead_variables(own, lead.custom_fields), **(extra_variables or {})}
        text = renderer.render_text(run.step_id, run.step_version, "body", body_template, variables)
        payload["data"] = parse_json(text)
    return encode(payload)


def lead_fields(lead: Recipient) -> dict[str, Any]:
    return {
        "email": lead.email,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "company": lead.company,
        "title": lead.title,
        "timezone": lead.timezone,
        "country": lead.country,
        "custom_fields": lead.custom_fields,
    }


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """Strict JSON (no NaN or Infinity, which receivers' parsers refuse), or BodyNotJson
    saying where it breaks."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise BodyNotJson(
            f"body_not_json: line {err.lineno} column {err.colno}: {err.msg}"
        ) from None
    except ValueError as err:
        raise BodyNotJson(f"body_not_json: {err}") from None
    except RecursionError:
        raise BodyNotJson("body_not_json: nested too deeply") from None


def encode(payload: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    except RecursionError:
        raise BodyNotJson("body_not_json: nested too deeply") from None
    except UnicodeEncodeError:  # "\ud800" parses to a lone surrogate, which is no UTF-8
        raise BodyNotJson("body_not_json: a lone UTF-16 surrogate escape (\\ud800…)") from None
