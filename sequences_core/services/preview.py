"""Preview a template for a lead, and send a test of it, through the dispatcher's own path.

Neither writes an execution or an event: a preview is not a send, and a test send goes
only to an address at one of the organization's own sending domains. Both carry a preview
unsubscribe link: it shows the lead's page, but the operator (or their mail client's
one-click) following it must not unsubscribe the lead the email was composed for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select

from sequences_core.db.models import Lead, Mailbox, SequenceStep, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import StepType
from sequences_core.errors import Conflict, InvalidInput
from sequences_core.ids import new_id
from sequences_core.rules.compose import ComposeContext, Composed, Thread, compose_email
from sequences_core.rules.render import MissingVariable
from sequences_core.rules.template_sandbox import RenderFailed
from sequences_core.schemas import TemplateSettings, template_settings
from sequences_core.senders import Outcome, OutgoingEmail, Sender
from sequences_core.services.leads import get_lead
from sequences_core.services.mailboxes import mailbox_domains
from sequences_core.services.steps import list_steps
from sequences_core.services.templates import get_template


@dataclass(frozen=True)
class PreviewedStep:
    step_id: uuid.UUID
    position: int
    composed: Composed | None
    error: str | None  # e.g. "missing_variable: company" — this lead would not get this email


def _mailbox_for(uow: UnitOfWork, org_id: uuid.UUID, step: SequenceStep) -> Mailbox:
    query = select(Mailbox).where(Mailbox.organization_id == org_id)
    wanted = step.config.get("mailbox_id")
    if wanted:
        found = uow.session.scalars(query.where(Mailbox.id == uuid.UUID(str(wanted)))).first()
        if found is not None:
            return found
    mailbox = uow.session.scalars(query.order_by(Mailbox.created_at)).first()
    if mailbox is None:
        raise Conflict("the organization has no mailbox yet; create one first")
    return mailbox


def _compose(
    uow: UnitOfWork,
    ctx: ComposeContext,
    execution_id: uuid.UUID,
    lead: Lead,
    step: SequenceStep,
    settings: TemplateSettings,
    thread: Thread,
    now: datetime,
) -> Composed:
    """The dispatcher's composition, from the mailbox the step would send from, with a
    preview unsubscribe link."""
    mailbox = _mailbox_for(uow, lead.organization_id, step)
    return compose_email(
        ctx, execution_id=execution_id, lead=lead, mailbox=mailbox, step=step,
        settings=settings, thread=thread, now=now, preview=True,
    )  # fmt: skip


def preview_template(
    uow: UnitOfWork,
    ctx: ComposeContext,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    lead_id: uuid.UUID | str,
    now: datetime,
) -> list[PreviewedStep]:
    """Every email step as this lead would get it; follow-ups threaded on the first email."""
    template = get_template(uow, org_id, template_id)
    lead = get_lead(uow, org_id, lead_id)
    settings = template_settings(template.settings)
    previews: list[PreviewedStep] = []
    thread = Thread()
    for step in list_steps(uow, org_id, template.id):
        if step.type != StepType.EMAIL:
            continue
        try:
            composed = _compose(uow, ctx, new_id(), lead, step, settings, thread, now)
        except MissingVariable as missing:
            previews.append(PreviewedStep(step.id, step.position, None, str(missing)))
            continue
        except RenderFailed as failed:
            previews.append(PreviewedStep(step.id, step.position, None, f"render_error: {failed}"))
            continue
        if thread.message_id is None:
            thread = Thread(composed.envelope.message_id, composed.subject)
        previews.append(PreviewedStep(step.id, step.position, composed, None))
    return previews


def _lacks(missing: MissingVariable, lead_id: object) -> str:
    if lead_id is None:
        return (
            f"the step uses {{{{ {missing.name} }}}} without a default: pass the id of a lead "
            "that has it, or give the variable a default"
        )
    return f"this lead has no {missing.name} and the step gives it no default"


@dataclass(frozen=True)
class TestEmail:
    to: str
    step_id: uuid.UUID
    subject: str
    provider_message_id: str | None


def send_test_email(
    uow: UnitOfWork,
    ctx: ComposeContext,
    sender: Sender,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    *,
    to: str,
    lead_id: uuid.UUID | str | None,
    step_id: uuid.UUID | str | None,
    now: datetime,
) -> TestEmail:
    """Send one email step (the first by default) to the caller's own address."""
    domain = to.rsplit("@", 1)[-1].lower()
    if domain not in mailbox_domains(uow, org_id):
        raise InvalidInput(
            "Test sends go only to your own domains",
            {"to": "must be an address at one of your mailboxes' domains"},
        )
    suppressed = uow.session.scalar(
        select(Suppression.id).where(
            Suppression.organization_id == org_id, func.lower(Suppression.email) == to.lower()
        )
    )
    if suppressed is not None:
        raise Conflict("that address is suppressed", {"to": "is on the suppression list"})
    if lead_id is not None:
        lead = get_lead(uow, org_id, lead_id)
    else:
        lead = Lead(
            id=new_id(), organization_id=org_id, email=to, first_name="Test", custom_fields={}
        )
    template = get_template(uow, org_id, template_id)
    steps = [s for s in list_steps(uow, org_id, template.id) if s.type == StepType.EMAIL]
    if step_id is not None:
        steps = [s for s in steps if str(s.id) == str(step_id)]
    if not steps:
        raise InvalidInput(
            "No email step to send", {"step_id": "not an email step of this template"}
        )
    step = steps[0]
    execution_id = new_id()
    settings = template_settings(template.settings)
    try:
        composed = _compose(uow, ctx, execution_id, lead, step, settings, Thread(), now)
    except MissingVariable as missing:
        raise InvalidInput(str(missing), {"lead_id": _lacks(missing, lead_id)}) from None
    except RenderFailed as failed:
        raise InvalidInput(f"render_error: {failed}", {"step_id": str(failed)}) from None
    envelope = replace(
        composed.envelope, to_email=to, to_name=None, subject=f"[Test] {composed.subject}"
    )
    composed = replace(composed, subject=envelope.subject, envelope=envelope)
    outgoing = OutgoingEmail(
        execution_id, org_id, composed.envelope.from_email, to, composed.mime()
    )
    [result] = sender.send_batch([outgoing])
    if result.outcome != Outcome.SENT:
        raise Conflict(f"test send failed: {result.error or result.outcome.value}")
    return TestEmail(to, step.id, composed.subject, result.provider_message_id)
