"""Wire shapes of the operator's verbs: API keys, organization settings, pauses and resumes,
the reputation guard's standing, suppressions removed, and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from sequences_core.enums import MailboxStatus
from tracking_app.schemas import In, MailboxOut, Out, PageQuery, Query

# --- API keys ----------------------------------------------------------------------------


class ApiKeyCreate(In):
    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="What the key is for, e.g. `crm-sync`: shown in the list."
    )


class ApiKeyOut(Out):
    id: uuid.UUID = Field(description="The key's id (revoke it by this).")
    name: str = Field(description="What the key is for.")
    prefix: str = Field(description="The public part of the key, `sq_<prefix>_…`: which key it is.")
    created_at: datetime = Field(description="When it was created.")
    last_used_at: datetime | None = Field(
        description="When it last authenticated a request (to the minute)."
    )
    revoked_at: datetime | None = Field(description="When it was revoked; it answers 401 since.")


class ApiKeyList(Out):
    items: list[ApiKeyOut] = Field(description="Every key, revoked ones too, newest first.")


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, store it now.")


# --- the organization ----------------------------------------------------------------------


class OrganizationOut(Out):
    id: uuid.UUID = Field(description="The organization's id.")
    name: str = Field(description="Its name.")
    slug: str = Field(description="Its short unique name.")
    timezone: str = Field(description="The default time zone: its day, and leads' without one.")
    daily_limit: int | None = Field(description="Emails it sends a day at most (`null`: no cap).")
    store_full_ip: bool = Field(
        description="Whether full IP addresses of opens and clicks are kept (else /24, /48)."
    )
    webhook_allow: list[str] = Field(
        description="Internal hosts and networks (hostnames, IP addresses, CIDR) webhook steps "
        "may call although the guard refuses such addresses to everyone else."
    )
    paused_reason: str | None = Field(description="Why every send is held, if it is paused.")
    reputation_since: datetime | None = Field(
        description="When it was last resumed: the reputation guard counts from here."
    )
    created_at: datetime = Field(description="When it was created.")


class RatesOut(Out):
    sent: int = Field(description="Emails sent over the window.")
    bounces: int = Field(description="Of those, hard bounces.")
    complaints: int = Field(description="Of those, complaints (marked as spam).")
    bounce_rate: float = Field(description="bounces / sent (0 with nothing sent).")
    complaint_rate: float = Field(description="complaints / sent (0 with nothing sent).")


class StandingOut(Out):
    id: uuid.UUID | None = Field(description="The mailbox's id (`null`: the organization).")
    name: str = Field(description="The mailbox's address, or the organization's name.")
    status: str = Field(description="`active` or `paused`.")
    paused_reason: str | None = Field(description="Why it is paused.")
    counted_since: datetime = Field(
        description="Start of the sends counted: the window's start, or a later resume."
    )
    rates: RatesOut = Field(description="What it sent and what came back.")
    over_the_line: str | None = Field(
        description="What the guard would pause it for now (`null`: nothing)."
    )


class ReputationOut(Out):
    window_start: datetime = Field(description="The 7-day window's start.")
    window_end: datetime = Field(description="The window's end (now).")
    min_sends: int = Field(description="Sends below which the guard does not judge.")
    max_bounce_rate: float = Field(description="The hard-bounce rate that pauses (SES's 5 %).")
    max_complaint_rate: float = Field(description="The complaint rate that pauses (0.1 %).")
    organization: StandingOut = Field(description="The organization as a whole.")
    mailboxes: list[StandingOut] = Field(description="Each mailbox, oldest first.")


class ReasonIn(In):
    reason: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="Why, in a few words: kept in the audit log."
    )


# --- mailboxes -------------------------------------------------------------------------------


class MailboxDetailOut(MailboxOut):
    warmup: dict[str, Any] = Field(
        description="The warm-up ramp (`start_date`, `start_per_day`, `increase_per_day`, "
        "`target`); `{}` when there is none."
    )
    todays_limit: int = Field(description="What it may send today: the warm-up ramp or limit.")
    reputation_since: datetime | None = Field(
        description="When it was last resumed: the reputation guard counts from here."
    )


class MailboxStatusOut(Out):
    id: uuid.UUID = Field(description="The mailbox's id.")
    status: MailboxStatus = Field(description="`active` or `paused`.")
    paused_reason: str | None = Field(description="Why it is paused.")


# --- suppressions ----------------------------------------------------------------------------


class SuppressionRemoveQuery(Query):
    reason: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="Why it is removed (e.g. the person asked to be mailed again): audited."
    )
    force: bool = Field(
        False, description="Needed to remove a complaint (someone marked our mail as spam)."
    )


class SuppressionRemovedOut(Out):
    id: uuid.UUID = Field(description="The removed suppression's id.")
    email: str = Field(description="The address, which can be mailed again.")
    reason: str = Field(description="Why it had been suppressed.")


# --- the audit log ---------------------------------------------------------------------------


class AuditQuery(PageQuery):
    subject_type: Annotated[str, Field(max_length=32)] | None = Field(
        None, description="Only entries about this kind of thing: `api_key`, `mailbox`, …"
    )


class AuditOut(Out):
    id: uuid.UUID = Field(description="The entry's id.")
    actor: str = Field(description="Who: `api_key:<prefix>` or `cli:<user>`.")
    action: str = Field(description="What, e.g. `mailbox.resume`.")
    subject_type: str = Field(description="The kind of thing changed.")
    subject_id: str | None = Field(description="Its id (or address).")
    reason: str | None = Field(description="Why, as the operator said.")
    details: dict[str, Any] = Field(description="Before and after, where it applies.")
    created_at: datetime = Field(description="When.")


class AuditPage(Out):
    items: list[AuditOut] = Field(description="This page's entries, newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
