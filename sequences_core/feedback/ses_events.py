"""SES events as plain values, from an SQS body: SNS-wrapped or raw, event publishing
(`eventType`) or the older identity notifications (`notificationType`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

# msgspec's decoder: a third of the stdlib's time on SES's JSON, which ingest parses twice
# (SNS envelope, then the event).
_JSON = msgspec.json.Decoder()


class MalformedEvent(ValueError):
    """The body is not an SES event we can apply; it goes to the dead-letter table."""


@dataclass(frozen=True)
class SesEvent:
    kind: str  # SES eventType: Send, Delivery, Bounce, Complaint, Reject, Open, Click, …
    message_id: str
    execution_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    occurred_at: datetime
    dedupe_key: str
    recipients: tuple[str, ...] = ()
    bounce_type: str | None = None  # Permanent, Transient, Undetermined
    bounce_subtype: str | None = None
    detail: str | None = None  # diagnostic, reject reason, rendering error
    url: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    raw: dict[str, Any] | None = None

    @property
    def hard_bounce(self) -> bool:
        return self.kind == "Bounce" and self.bounce_type == "Permanent"


def _time(value: Any, fallback: datetime | None = None) -> datetime:
    if not value:
        if fallback is None:
            raise MalformedEvent("event has no timestamp")
        return fallback
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent(f"bad timestamp {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _tag_uuid(tags: dict[str, Any], name: str) -> uuid.UUID | None:
    values = tags.get(name) or []
    if isinstance(values, str):
        values = [values]
    for value in values:
        try:
            return uuid.UUID(str(value))
        except ValueError:
            continue
    return None


def _unwrap(body: str) -> dict[str, Any]:
    try:
        data = _JSON.decode(body)
    except (msgspec.DecodeError, TypeError):
        raise MalformedEvent("body is not JSON") from None
    if isinstance(data, dict) and data.get("Type") == "Notification" and "Message" in data:
        try:
            data = _JSON.decode(data["Message"])
        except (msgspec.DecodeError, TypeError):
            raise MalformedEvent("SNS Message is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedEvent("event is not a JSON object")
    return data


def parse_ses_event(body: str) -> SesEvent:
    data = _unwrap(body)
    kind = data.get("eventType") or data.get("notificationType")
    mail = data.get("mail")
    if not kind or not isinstance(mail, dict) or not mail.get("messageId"):
        raise MalformedEvent("not an SES event (no eventType/notificationType or mail.messageId)")
    kind = str(kind)
    message_id = str(mail["messageId"])
    tags = mail.get("tags") or {}
    sent_at = _time(mail.get("timestamp"), datetime.now(UTC))
    detail_key = {
        "Bounce": "bounce",
        "Complaint": "complaint",
        "Delivery": "delivery",
        "Reject": "reject",
        "DeliveryDelay": "deliveryDelay",
        "Open": "open",
        "Click": "click",
        "Rendering Failure": "failure",
        "Send": "send",
    }.get(kind)
    if detail_key is None:
        raise MalformedEvent(f"unknown SES event type {kind!r}")
    detail = data.get(detail_key) or {}
    if not isinstance(detail, dict):
        raise MalformedEvent(f"{detail_key} is not an object")
    occurred = _time(detail.get("timestamp"), sent_at)
    fields: dict[str, Any] = {}
    if kind == "Bounce":
        fields["recipients"] = tuple(
            str(r.get("emailAddress", "")).lower() for r in detail.get("bouncedRecipients") or []
        )
        fields["bounce_type"] = detail.get("bounceType")
        fields["bounce_subtype"] = detail.get("bounceSubType")
        diagnostics = [r.get("diagnosticCode") for r in detail.get("bouncedRecipients") or []]
        fields["detail"] = next((d for d in diagnostics if d), None)
        if fields["bounce_type"] not in ("Permanent", "Transient", "Undetermined"):
            raise MalformedEvent(f"unknown bounceType {fields['bounce_type']!r}")
    elif kind == "Complaint":
        fields["recipients"] = tuple(
            str(r.get("emailAddress", "")).lower() for r in detail.get("complainedRecipients") or []
        )
        fields["detail"] = detail.get("complaintFeedbackType")
    elif kind == "Delivery":
        fields["recipients"] = tuple(str(r).lower() for r in detail.get("recipients") or [])
    elif kind == "Reject":
        fields["detail"] = detail.get("reason")
    elif kind == "Rendering Failure":
        fields["detail"] = detail.get("errorMessage")
    elif kind in ("Open", "Click"):
        fields["ip"] = detail.get("ipAddress")
        fields["user_agent"] = detail.get("userAgent")
        fields["url"] = detail.get("link")
    event_id = detail.get("feedbackId") or f"{occurred.isoformat()}:{fields.get('url') or ''}"
    return SesEvent(
        kind=kind,
        message_id=message_id,
        execution_id=_tag_uuid(tags, "execution_id"),
        organization_id=_tag_uuid(tags, "org_id"),
        occurred_at=occurred,
        dedupe_key=f"ses:{message_id}:{kind}:{event_id}"[:300],
        raw=data,
        **fields,
    )
