"""Wire shapes of a template's metrics (per-step funnel, branches, completion rate) and of the
dashboard. Built from the services' dataclasses (`from_attributes`), every field described."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from tracking_app.schemas import MetricsOut, Out

_OF_SENT = "{} as a fraction of this step's emails sent (0 to 1; 0 when none was sent)."
_EMAILS = "This step's emails {} (each email counted once)."


class FunnelRatesOut(Out):
    delivered_rate: float = Field(description=_OF_SENT.format("Delivered"))
    open_rate: float = Field(description=_OF_SENT.format("Opened by a person"))
    click_rate: float = Field(description=_OF_SENT.format("Clicked by a person"))
    reply_rate: float = Field(description=_OF_SENT.format("Replied to"))
    bounce_rate: float = Field(description=_OF_SENT.format("Bounced"))
    complaint_rate: float = Field(description=_OF_SENT.format("Reported as spam"))
    unsubscribe_rate: float = Field(description=_OF_SENT.format("Unsubscribed from"))


class StepMetricsOut(Out):
    step_id: uuid.UUID | None = Field(
        description="The step; null for the executions of steps since deleted, together."
    )
    position: int | None = Field(description="Its position (0-based); null for deleted steps.")
    type: str = Field(description="Its type: email, wait, task, condition or webhook.")
    label: str = Field(description="A name for people: position, type and an email's subject.")
    sent: int = Field(description=_EMAILS.format("sent"))
    delivered: int = Field(description=_EMAILS.format("the provider reported delivered"))
    opened: int = Field(
        description=_EMAILS.format("opened or clicked by a person")
        + " Machine opens are in `machine_opens`."
    )
    clicked: int = Field(description=_EMAILS.format("clicked by a person"))
    replied: int = Field(description=_EMAILS.format("replied to"))
    bounced: int = Field(description=_EMAILS.format("that bounced"))
    complained: int = Field(description=_EMAILS.format("reported as spam"))
    unsubscribed: int = Field(description=_EMAILS.format("unsubscribed from"))
    machine_opens: int = Field(description="Opens by scanners and proxies: counted in no rate.")
    machine_clicks: int = Field(description="Clicks by link checkers: counted in no rate.")
    open_events: int = Field(description="Opens by people (an email opened twice counts 2).")
    click_events: int = Field(description="Clicks by people (every click).")
    executed: int = Field(
        description="Executions done: emails sent, conditions decided, webhooks answered."
    )
    failed: int = Field(description="Executions that failed or whose outcome is unknown.")
    if_true: int = Field(description="A condition's decisions that took its `if_true` branch.")
    if_false: int = Field(description="A condition's decisions that took its `if_false` branch.")
    rates: FunnelRatesOut = Field(description="Each stage over the step's emails sent.")


class TemplateMetricsDetailOut(Out):
    template_id: uuid.UUID = Field(description="The template.")
    name: str = Field(description="Its name.")
    metrics: MetricsOut = Field(
        description="Its totals, all time; `rates.completion_rate` is completed / enrolled."
    )
    steps: list[StepMetricsOut] = Field(
        description="Per step in order (deleted steps last): the email funnel sent → delivered "
        "→ opened → clicked → replied, and a condition's branches."
    )


_PERIOD = "over the dashboard's period (the last 30 days), machine events excluded"


class CardsOut(Out):
    active_enrollments: int = Field(description="Enrollments active now.")
    paused_enrollments: int = Field(description="Enrollments paused now.")
    sent_today: int = Field(description="Emails sent since midnight in the org's zone.")
    sent_this_week: int = Field(description="Emails sent since Monday 00:00 in the org's zone.")
    sent: int = Field(description="Emails sent in the period.")
    open_rate: float = Field(description=f"Emails opened per email sent, {_PERIOD}.")
    click_rate: float = Field(description=f"Emails clicked per email sent, {_PERIOD}.")
    reply_rate: float = Field(description=f"Replies per email sent, {_PERIOD}.")
    bounce_rate: float = Field(description=f"Bounces per email sent, {_PERIOD}.")
    complaint_rate: float = Field(description=f"Spam complaints per email sent, {_PERIOD}.")
    unsubscribe_rate: float = Field(description=f"Unsubscribes per email sent, {_PERIOD}.")
    meetings: int = Field(description="Meetings booked in the period.")
    machine_events: int = Field(description="Machine opens and clicks in the period (kept apart).")


class DayOut(Out):
    day: date = Field(description="A local day in the org's zone.")
    sent: int = Field(description="Emails sent that day.")
    replies: int = Field(description="Replies received that day.")


class GuardOut(Out):
    kind: str = Field(description="`organization` or `mailbox`.")
    name: str = Field(description="The organization's name or the mailbox's address.")
    sent: int = Field(description="Emails sent in the guard's window (7 days or since resumed).")
    bounce_rate: float = Field(description="Hard bounces per send; the line is 0.05 (SES's).")
    complaint_rate: float = Field(description="Complaints per send; the line is 0.001 (SES's).")
    paused_reason: str | None = Field(description="Why it is paused; null when it sends.")
    counted_since: datetime = Field(description="Where its window starts.")
    state: str = Field(
        description="`paused`; `over` a line (the guard pauses it on its next run); `near` "
        "(half a line or more); `few` (fewer sends than the guard judges); `ok`."
    )


class PausedMailboxOut(Out):
    id: uuid.UUID = Field(description="The mailbox.")
    from_email: str = Field(description="Its address.")
    reason: str = Field(description="Why it is paused (`reputation: …`, `manual: …`).")


class OfTemplateOut(Out):
    """The template an attention item is about (the fields every such item starts with)."""

    template_id: uuid.UUID = Field(description="The template.")
    template_name: str = Field(description="Its name.")


class MissingVariablesOut(OfTemplateOut):
    enrollments: int = Field(description="Its enrollments paused for a missing variable.")
    example: str = Field(description="One such reason, e.g. `missing_variable: company`.")


class FailingWebhookOut(OfTemplateOut):
    position: int = Field(description="The webhook step's position (0-based).")
    failures: int = Field(description="Calls failed or of unknown outcome in the window.")
    last_at: datetime = Field(description="The latest such call.")
    last_error: str | None = Field(description="The latest call's error.")


class UnknownEmailsOut(OfTemplateOut):
    emails: int = Field(
        description="Its emails whose delivery is unknown after a crash: not resent, each "
        "holding its enrollment paused until an SES event settles it or the enrollment ends."
    )
    oldest: datetime = Field(description="When the oldest of them was claimed.")
    reason: str | None = Field(description="The latest one's error (e.g. the transport's).")


class AttentionOut(Out):
    count: int = Field(description="Items that need someone (pauses, lines near or crossed…).")
    organization_paused: str | None = Field(
        description="Why the organization's sending is paused; null when it sends."
    )
    paused_mailboxes: list[PausedMailboxOut] = Field(description="Paused mailboxes and why.")
    guard: list[GuardOut] = Field(
        description="The reputation guard's standing of the organization and each mailbox."
    )
    missing_variables: list[MissingVariablesOut] = Field(
        description="Enrollments paused for a missing variable, per template."
    )
    failing_webhooks: list[FailingWebhookOut] = Field(
        description="Webhook steps whose recent calls failed, per template and step."
    )
    unknown_emails: list[UnknownEmailsOut] = Field(
        description="Emails whose delivery is unknown, per template, on running enrollments."
    )
    bounce_line: float = Field(description="The hard-bounce rate at which the guard pauses.")
    complaint_line: float = Field(description="The complaint rate at which the guard pauses.")
    webhook_since: datetime | None = Field(description="Failing webhooks are counted from here.")


class TemplateRowOut(Out):
    template_id: uuid.UUID = Field(description="The template.")
    name: str = Field(description="Its name.")
    active_enrollments: int = Field(description="Its enrollments active now.")
    sent: int = Field(description="Its emails sent in the period.")
    reply_rate: float = Field(description=f"Replies per email sent, {_PERIOD}.")
    open_rate: float = Field(description=f"Emails opened per email sent, {_PERIOD}.")
    bounce_rate: float = Field(description=f"Bounces per email sent, {_PERIOD}.")


class DashboardOut(Out):
    zone: str = Field(description="The organization's time zone: days and weeks are its.")
    now: datetime = Field(description="When this was read.")
    period_start: datetime = Field(description="The period's start (30 local days ago).")
    cards: CardsOut = Field(description="The headline numbers.")
    daily: list[DayOut] = Field(description="Sends and replies per local day, oldest first.")
    attention: AttentionOut = Field(description="What needs an operator.")
    templates: list[TemplateRowOut] = Field(
        description="The 20 live (not archived) templates with the most emails sent in the "
        "period, most first, ties by name."
    )
