"""Inputs of the operator's verbs: mailbox and organization settings, pauses and resumes.

Updates are partial (PATCH): only the fields a request names change, and naming a field
with `null` clears it where clearing means something (`warmup`, `daily_limit` of an org).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator, model_validator

from sequences_core.rules.email_address import Email
from sequences_core.schemas import Strict, Timezone, one_line
from sequences_core.webhooks.guard import MAX_ALLOW_ENTRIES, check_allow_entry

Volume = Annotated[int, Field(ge=1, le=100_000)]
AllowEntries = Annotated[
    list[Annotated[str, AfterValidator(check_allow_entry)]],
    Field(max_length=MAX_ALLOW_ENTRIES),
]


def kept(value: Any) -> Any:
    """A field that may be changed but not cleared: `null` is refused, naming it."""
    if value is None:
        raise ValueError("cannot be cleared; leave it out to keep it")
    return value


class Warmup(Strict):
    """A new sender's ramp: a few emails a day at first, more each day, up to `target`."""

    start_date: date | None = Field(
        None, description="The ramp's first day in the mailbox's zone (default: today)."
    )
    start_per_day: Volume = Field(20, description="Emails a day on the first day.")
    increase_per_day: Annotated[int, Field(ge=0, le=100_000)] = Field(
        10, description="Emails a day added each day after the first."
    )
    target: Volume = Field(
        description="The daily volume at which the warm-up ends and the daily limit applies."
    )

    @model_validator(mode="after")
    def _reaches_target(self) -> Warmup:
        if self.target < self.start_per_day:
            raise ValueError("target must be at least start_per_day")
        if self.target > self.start_per_day and self.increase_per_day == 0:
            raise ValueError("increase_per_day must be above 0 to ever reach target")
        return self


class Patch(Strict):
    """A partial update: only the fields the request names change."""

    def changes(self) -> dict[str, Any]:
        """What the request named, as stored (JSON values: a warm-up as its object)."""
        return self.model_dump(mode="json", include=self.model_fields_set)


class MailboxUpdate(Patch):
    from_name: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The sender's display name (`null` clears it)."
    )
    reply_to: Email | None = Field(None, description="Where replies go (`null`: the sender).")
    daily_limit: Volume | None = Field(None, description="Emails it sends a day at most.")
    timezone: Timezone | None = Field(None, description="IANA time zone its day is counted in.")
    warmup: Warmup | None = Field(None, description="The warm-up ramp (`null` turns it off).")

    @field_validator("from_name")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return one_line(value)

    @field_validator("daily_limit", "timezone")
    @classmethod
    def _kept(cls, value: Any) -> Any:
        return kept(value)


class OrganizationUpdate(Patch):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, description="The organization's name."
    )
    daily_limit: Volume | None = Field(
        None, description="Emails the whole organization sends a day at most (`null`: no cap)."
    )
    timezone: Timezone | None = Field(
        None,
        description="The default time zone: the organization's day, and the zone of leads and "
        "templates that set none.",
    )
    store_full_ip: bool | None = Field(
        None,
        description="Keep full IP addresses of opens and clicks (opt-in; else /24 and /48).",
    )
    webhook_allow: AllowEntries | None = Field(
        None,
        description="Internal hosts and networks webhook steps may call, which the guard "
        "otherwise refuses (private, loopback, link-local…): hostnames (`crm.internal`), "
        f"IP addresses or CIDR networks (`10.0.0.0/8`); at most {MAX_ALLOW_ENTRIES}. The "
        "whole list; `[]` empties it.",
    )

    @field_validator("name", "timezone", "store_full_ip", "webhook_allow")
    @classmethod
    def _kept(cls, value: Any) -> Any:
        return kept(value)

    @field_validator("webhook_allow")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))
