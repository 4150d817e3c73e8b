"""The builder's "Test call": one request of a webhook step, made as the dispatcher makes
it (the SSRF guard, the organization's allow-list, the signature, the timeout), recorded
nowhere. Its idempotency key starts with `test-`, so a receiver can tell it from real calls.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sequences_core.db.models import Lead
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput
from sequences_core.rules.render import MissingVariable, Renderer
from sequences_core.rules.template_sandbox import RenderFailed
from sequences_core.schemas import WebhookConfig, keep_stored_secrets, parse
from sequences_core.services.leads import get_lead
from sequences_core.services.organizations import get_organization, organization_field
from sequences_core.services.steps import list_steps
from sequences_core.services.templates import get_template


@dataclass(frozen=True)
class TestCall:
    outcome: str  # success | retryable | permanent | not_sent
    reason: str
    status: int | None = None
    seconds: float = 0.0
    address: str | None = None
    response_body: str = ""


def _sample_lead(org_id: uuid.UUID) -> Lead:
    return Lead(
        id=uuid.uuid4(), organization_id=org_id, email="test.lead@example.com",
        first_name="Test", last_name="Lead", company="Example Inc", custom_fields={},
    )  # fmt: skip


def test_call(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    step_id: uuid.UUID | str,
    raw: Any,
    lead_id: uuid.UUID | str | None,
) -> TestCall:
    """Call the step's URL once with these (unsaved) values; masked secrets are the stored
    ones. A refusal by the guard is an answer (`permanent`, with the reason), not an error."""
    from sequences_core.webhooks.client import call_for_step, deliver
    from sequences_core.webhooks.guard import AllowList
    from sequences_core.webhooks.payload import BodyNotJson, StepRun, build_body

    template = get_template(uow, org_id, template_id)
    steps = list_steps(uow, org_id, template.id)
    stored = next((s for s in steps if str(s.id) == str(step_id)), None)
    if stored is None or stored.type != "webhook":
        raise InvalidInput("Not a webhook step", {"step_id": "not a webhook step of this template"})
    config = parse(WebhookConfig, keep_stored_secrets("webhook", raw, stored.config), "config")
    lead = get_lead(uow, org_id, lead_id) if lead_id else _sample_lead(org_id)
    run = StepRun(org_id, template.id, stored.id, stored.version, uuid.uuid4(), uuid.uuid4(), 1)
    try:
        body = build_body(run, lead, config.body, Renderer())
    except MissingVariable as missing:
        return TestCall("not_sent", f"missing: {missing.name} (this lead lacks it)")
    except (RenderFailed, BodyNotJson) as failed:
        return TestCall("not_sent", failed.reason)
    allow = AllowList.parse(organization_field(get_organization(uow, org_id), "webhook_allow"))
    call = call_for_step(
        config, body=body, idempotency_key=f"test-{uuid.uuid4()}", attempt=1, allow=allow
    )
    delivery = deliver(call)
    return TestCall(
        delivery.outcome, delivery.reason, delivery.status, delivery.seconds,
        delivery.address, delivery.response_body[:500],
    )  # fmt: skip
