"""One email exactly as it leaves: rendered, unsubscribe link, tracking, envelope, MIME.

The dispatcher, the API's preview and its test-send all call `compose_email`, so what an
operator previews is byte for byte what a lead would get (bar the execution id in links).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sequences_core.db.models import Mailbox, SequenceStep
from sequences_core.rules.mime import Envelope, build_mime, message_id_for
from sequences_core.rules.render import Renderer, TrackingLinks, add_tracking, lead_variables
from sequences_core.rules.tokens import Tokens
from sequences_core.schemas import TemplateSettings

VERP_PLACEHOLDER = "{execution}"


class ComposeContext(Protocol):
    """Read-only, so a frozen `DispatchContext` is one."""

    @property
    def tokens(self) -> Tokens: ...
    @property
    def public_url(self) -> str: ...
    @property
    def renderer(self) -> Renderer: ...
    @property
    def unsubscribe_mailto(self) -> str | None: ...


class Recipient(Protocol):
    """A lead as composing and scheduling read it: the ORM `Lead` or the dispatcher's row."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def organization_id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def company(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def custom_fields(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Thread:
    """The first email of an enrollment, which threaded follow-ups answer."""

    message_id: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Composed:
    subject: str
    html: str
    text: str
    envelope: Envelope

    def mime(self) -> bytes:
        return build_mime(self.envelope, self.html, self.text)


def verp_reply_to(reply_to: str | None, execution_id: uuid.UUID) -> str | None:
    """`replies+{execution}@acme.example` → one reply-to per email, matched back on arrival."""
    if reply_to and VERP_PLACEHOLDER in reply_to:
        return reply_to.replace(VERP_PLACEHOLDER, execution_id.hex)
    return reply_to


def lead_fields(lead: Recipient) -> dict[str, Any]:
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "company": lead.company,
        "title": lead.title,
        "email": lead.email,
    }


def unsubscribe_url(
    ctx: ComposeContext, lead: Recipient, execution_id: uuid.UUID, preview: bool
) -> str:
    """A preview's link shows the lead's page but unsubscribes nobody (see `tokens`)."""
    if preview:
        token = ctx.tokens.preview_unsubscribe_token(lead.organization_id, lead.id)
    else:
        token = ctx.tokens.unsubscribe_token(lead.organization_id, lead.id, execution_id)
    return f"{ctx.public_url}/api/sequences/unsubscribe?t={token}"


def with_unsubscribe(html: str, text: str, url: str, placed: bool) -> tuple[str, str]:
    """Every email carries an unsubscribe link; add a footer unless the template placed one."""
    if placed:
        return html, text
    footer = (
        f'<p style="font-size:12px;color:#888">Not interested? <a href="{url}">Unsubscribe</a>.</p>'
    )
    lower = html.lower()
    at = lower.rfind("</body>")
    html = html[:at] + footer + html[at:] if at >= 0 else html + footer
    return html, f"{text.rstrip()}\n\n--\nUnsubscribe: {url}\n"


def compose_email(
    ctx: ComposeContext,
    *,
    execution_id: uuid.UUID,
    lead: Recipient,
    mailbox: Mailbox,
    step: SequenceStep,
    settings: TemplateSettings,
    thread: Thread,
    now: datetime,
    preview: bool = False,
) -> Composed:
    """Raise MissingVariable when the lead lacks a variable the step uses without a default.

    `preview` (a preview or a test send): the unsubscribe link, in the body and in
    `List-Unsubscribe`, is one that stops nothing, since it reaches the operator, not the lead.
    """
    unsubscribe = unsubscribe_url(ctx, lead, execution_id, preview)
    variables = lead_variables(lead_fields(lead), lead.custom_fields)
    variables["sender"] = {"name": mailbox.from_name or "", "email": mailbox.from_email}
    variables["unsubscribe_url"] = unsubscribe
    threaded = settings.thread_follow_ups and thread.message_id is not None
    rendered = ctx.renderer.render(
        step.id,
        step.version,
        step.config,
        variables,
        subject_fallback=f"Re: {thread.subject}" if thread.subject else None,
    )
    html, text_part = with_unsubscribe(
        rendered.html, rendered.text, unsubscribe, "unsubscribe_url" in step.config["html"]
    )
    html = add_tracking(
        html,
        TrackingLinks(
            execution_id,
            ctx.public_url,
            ctx.tokens,
            settings.tracking.opens,
            settings.tracking.clicks,
        ),
        skip=lambda url: url == unsubscribe,
    )
    envelope = Envelope(
        from_email=mailbox.from_email,
        from_name=mailbox.from_name,
        to_email=lead.email,
        to_name=" ".join(filter(None, [lead.first_name, lead.last_name])) or None,
        reply_to=verp_reply_to(mailbox.reply_to, execution_id),
        subject=rendered.subject or "(no subject)",
        message_id=message_id_for(execution_id.hex, mailbox.from_email),
        date=now,
        unsubscribe_url=unsubscribe,
        unsubscribe_mailto=ctx.unsubscribe_mailto,
        in_reply_to=thread.message_id if threaded else None,
        references=thread.message_id if threaded else None,
    )
    return Composed(envelope.subject, html, text_part, envelope)
