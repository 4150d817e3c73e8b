"""When and against which limits an email may go, from plain values: the lead's zone (lead,
then template, then organization), the send rules in it, and the daily-limit counters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sequences_core.enums import CounterScope
from sequences_core.rules.limits import CounterKey, local_day, warmup_limit
from sequences_core.rules.schedule import SendRules
from sequences_core.schemas import TemplateSettings

if TYPE_CHECKING:  # read for their attributes only: rows or plain values serve as well
    from sequences_core.db.models import Mailbox, Organization
    from sequences_core.rules.compose import Recipient

# An email deferred by a spent daily limit goes within this many minutes of the refilled
# limit's first window opening, so a day's deferred emails do not all go at one instant.
LIMIT_JITTER_MINUTES = 5


def lead_zone(settings: TemplateSettings, lead: Recipient, org: Organization) -> tuple[str, str]:
    """The zone a lead's emails are timed in and whose it is: the lead's, else the template's,
    else the org's (`schedule_explain` names the source)."""
    for source, zone in (
        ("lead", lead.timezone),
        ("template", settings.timezone),
        ("organization", org.timezone),
    ):
        if zone:
            return zone, source
    return "UTC", "default"


def send_rules(settings: TemplateSettings, lead: Recipient, org: Organization) -> SendRules:
    """When a lead may be mailed: in `lead_zone`, the template's window and days, the
    holidays of the lead's country (else the template's)."""
    zone, _ = lead_zone(settings, lead, org)
    days = frozenset(settings.send_window.days)
    if settings.skip_weekends:
        days = days - {6, 7} or days
    return SendRules(
        zone=ZoneInfo(zone),
        start=settings.send_window.start,
        end=settings.send_window.end,
        days=days,
        holiday_country=lead.country or settings.holidays,
    )


def counter_keys(
    org: Organization,
    mailbox: Mailbox,
    template_id: uuid.UUID,
    settings: TemplateSettings,
    now: datetime,
) -> tuple[CounterKey, ...]:
    """The daily limits an email sent at `now` draws on, in the order a spent one is named:
    the mailbox's day in its zone (warm-up ramp applied), the template's and the org's caps
    in the org's zone."""
    mailbox_day = local_day(now, mailbox.timezone)
    keys = [
        CounterKey(
            org.id,
            CounterScope.MAILBOX,
            mailbox.id,
            mailbox_day,
            warmup_limit(mailbox.daily_limit, mailbox.warmup, mailbox_day),
            mailbox.timezone,
        )
    ]
    org_day = local_day(now, org.timezone)
    if settings.daily_limit:
        keys.append(
            CounterKey(
                org.id,
                CounterScope.TEMPLATE,
                template_id,
                org_day,
                settings.daily_limit,
                org.timezone,
            )
        )
    if org.daily_limit:
        keys.append(
            CounterKey(
                org.id, CounterScope.ORGANIZATION, org.id, org_day, org.daily_limit, org.timezone
            )
        )
    return tuple(keys)
