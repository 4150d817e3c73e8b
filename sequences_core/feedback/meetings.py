"""Meeting-booked webhooks as plain values: a generic body or Calendly's `invitee.created`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sequences_core.rules.email_address import Email

_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


class NotAMeeting(ValueError):
    """The body names no attendee email (or is a Calendly event other than a booking)."""


@dataclass(frozen=True)
class Meeting:
    email: str
    when: datetime
    source: str


def _time(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str) or not value:
        return now
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NotAMeeting(f"time {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_meeting(body: dict[str, Any], now: datetime) -> Meeting:
    """`{email, time?, source?}` or Calendly's `{event: "invitee.created", payload: {...}}`."""
    payload = body.get("payload")
    if isinstance(payload, dict) and body.get("event"):
        if body["event"] != "invitee.created":
            raise NotAMeeting(f"Calendly event {body['event']!r} is not a booking")
        scheduled = payload.get("scheduled_event") or payload.get("event") or {}
        start = scheduled.get("start_time") if isinstance(scheduled, dict) else None
        email, when, source = payload.get("email"), _time(start, now), "calendly"
    else:
        email = body.get("email")
        when, source = _time(body.get("time"), now), str(body.get("source") or "webhook")[:100]
    try:
        address = _EMAIL.validate_python(email)
    except ValidationError:
        raise NotAMeeting("no valid attendee email in the body") from None
    return Meeting(address, when, source)
