"""The send forecast: how many emails go each day of the next days, and what a limit holds back."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, Field

from sequences_core.clock import utcnow
from sequences_core.rules.forecast import DEFAULT_DAYS, MAX_DAYS
from sequences_core.services.forecast import ForecastView, org_forecast, template_forecast
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import Out, Query
from tracking_app.state import org, unit

TAG = "forecast"


class ForecastQuery(Query):
    days: int = Field(
        DEFAULT_DAYS,
        ge=1,
        le=MAX_DAYS,
        description="How many days (the organization's) to forecast.",
    )
    at: AwareDatetime | None = Field(
        None, description="Forecast from this instant (with offset); now if left out."
    )


class ForecastLimitOut(Out):
    scope: str = Field(description="`mailbox`, `template` or `organization`.")
    scope_id: uuid.UUID = Field(description="The mailbox's, template's or organization's id.")
    label: str = Field(
        description="Whose limit, in words (the mailbox's address, the template's name)."
    )
    per_day: int = Field(
        description="Emails a day, as last met in the forecast (a warm-up ramp raises it daily)."
    )


class ForecastDeferredOut(Out):
    limit: ForecastLimitOut = Field(description="The spent limit.")
    count: int = Field(description="Emails it held back that day (each goes again the next day).")


class ForecastMailboxOut(Out):
    mailbox_id: uuid.UUID = Field(description="The sending mailbox.")
    from_email: str = Field(description="Its address.")
    sent: int = Field(description="Emails it sends that day.")


class ForecastDayOut(Out):
    day: date = Field(description="The day, in the organization's zone.")
    weekday: str = Field(description="Its weekday's name.")
    sent: int = Field(description="Emails that go that day.")
    first_emails: int = Field(description="Of them, first emails of an enrollment.")
    deferred: int = Field(description="Emails due that day that a spent daily limit held back.")
    deferred_by: list[ForecastDeferredOut] = Field(description="Those, by limit.")
    by_mailbox: list[ForecastMailboxOut] = Field(description="The emails sent, by mailbox.")
    webhooks: int = Field(description="Webhook steps called that day (not emails).")
    tasks: int = Field(description="Tasks created that day (not emails).")


class ForecastOut(Out):
    template_id: uuid.UUID | None = Field(description="The template; null for the organization.")
    template_name: str | None = Field(description="Its name.")
    zone: str = Field(description="The organization's IANA zone: the days are its days.")
    start: datetime = Field(description="The instant the forecast starts from (UTC).")
    end: datetime = Field(description="The organization's midnight after the last day (UTC).")
    days: list[ForecastDayOut] = Field(description="Each day, first to last.")
    sent: int = Field(description="Emails that go within the days.")
    deferred: int = Field(description="Times a spent limit held an email back, over the days.")
    enrollments: int = Field(description="Active enrollments forecast.")
    paused: int = Field(description="Paused enrollments: nothing goes until they are resumed.")
    awaiting_first: int = Field(description="Active enrollments that have sent nothing yet.")
    first_sent: int = Field(description="Of them, those whose first email goes within the days.")
    last_first_day: date | None = Field(description="The day the last of those goes.")
    days_to_last_first: int | None = Field(
        description="How many days until then, counting the first day as one."
    )
    pending_at_end: int = Field(description="Enrollments still active when the days end.")
    bottleneck: ForecastLimitOut | None = Field(
        description="The limit that held back the most emails, if any did."
    )
    summary: str = Field(description="The forecast in one sentence.")
    assumptions: list[str] = Field(description="What the forecast assumes about the future.")


@API.route(bp, "/forecast", "GET", tag=TAG, query=ForecastQuery, response=ForecastOut)
def organization_forecast(query: ForecastQuery) -> ForecastView:
    """The organization's send forecast: emails per day and what each daily limit holds back.

    Every active enrollment replayed with the dispatcher's own rules: waits, send windows in
    the lead's zone, weekends, public holidays, and the daily limits of mailboxes (with their
    warm-up ramp), templates and the organization, granted in the dispatcher's order. It
    assumes no new events (see `assumptions`).
    """
    return org_forecast(unit(), org(), query.at or utcnow(), query.days)


@API.route(
    bp, "/templates/<template_id>/forecast", "GET", tag=TAG, query=ForecastQuery,
    response=ForecastOut, errors=(404,),
)  # fmt: skip
def template_send_forecast(template_id: str, query: ForecastQuery) -> ForecastView:
    """One template's send forecast: its share of the organization's.

    Its emails compete with every other template's for the same mailboxes and organization
    limit, so the whole organization is replayed and this template's emails are counted.
    """
    return template_forecast(unit(), org(), template_id, query.at or utcnow(), query.days)
