"""Webhooks: SES events over an SNS HTTP subscription, and meeting-booked notifications."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request
from sqlalchemy import insert

from sequences_core.clock import utcnow
from sequences_core.db.models import FeedbackDeadLetter, table_of
from sequences_core.errors import InvalidInput
from sequences_core.feedback.meetings import NotAMeeting, parse_meeting
from sequences_core.feedback.ses_events import MalformedEvent, parse_ses_event
from sequences_core.feedback.sns import InvalidSnsMessage, is_aws_url, parse_message, verify
from sequences_core.services.feedback import meeting_booked
from sequences_core.services.ses_feedback import apply_ses_events
from tracking_app.errors import BadRequest, Forbidden, Unauthorized
from tracking_app.registry import API, PREFIX
from tracking_app.schemas import MeetingBody, MeetingOut, Query, SnsOut, WebhookUrlOut
from tracking_app.state import authenticate, org, state, unit

bp = Blueprint("webhooks", __name__, url_prefix=f"{PREFIX}/webhooks")
TAG = "webhooks"


@API.route(
    bp, "/ses", "POST", tag=TAG, auth=False, response=SnsOut, upload="text/plain", errors=(403,)
)
def ses_notification() -> dict[str, Any]:
    """SES events from an SNS HTTP(S) subscription; only messages SNS signed are accepted.

    A SubscriptionConfirmation is confirmed by visiting its (AWS) SubscribeURL.
    """
    raw = request.get_data()
    try:
        message = parse_message(raw)
    except InvalidSnsMessage as err:
        raise BadRequest(str(err), {"body": str(err)}) from None
    app_state = state()
    try:
        verify(message, app_state.fetch_certificate)
    except InvalidSnsMessage as err:
        raise Forbidden(f"not a genuine SNS message: {err}") from None
    if message["Type"] == "SubscriptionConfirmation":
        url = str(message.get("SubscribeURL", ""))
        if not is_aws_url(url):
            raise Forbidden("SubscribeURL is not an AWS SNS address")
        app_state.confirm_subscription(url)
        return {"status": "subscribed"}
    if message["Type"] != "Notification":
        return {"status": "ignored"}
    uow = unit()
    try:
        event = parse_ses_event(raw.decode("utf-8", "replace"))
    except MalformedEvent as err:
        uow.session.execute(
            insert(table_of(FeedbackDeadLetter)),
            [{"organization_id": None, "source": "sns", "reference": message.get("MessageId"),
              "reason": str(err), "body": raw.decode("utf-8", "replace")[:1_000_000]}],
        )  # fmt: skip
        uow.commit()
        return {"status": "ignored"}  # kept for an operator; SNS must not retry it forever
    summary = apply_ses_events(uow, [event], utcnow())
    uow.commit()
    return {"status": "applied", "events": summary.events}


class MeetingQuery(Query):
    token: str | None = None


def _webhook_org(token: str | None) -> uuid.UUID:
    """The API key (Authorization), or the signed `token` of the org's webhook URL."""
    if request.headers.get("Authorization"):
        return authenticate()
    found = state().tokens.read_webhook(token) if token else None
    if found is None:
        raise Unauthorized("Send an API key, or use the webhook URL with its token")
    return found


@API.route(
    bp, "/meeting", "POST", tag=TAG, auth=False, query=MeetingQuery, body=MeetingBody,
    response=MeetingOut, errors=(401,),
)  # fmt: skip
def meeting(query: MeetingQuery, body: MeetingBody) -> dict[str, Any]:
    """A meeting was booked: `{email, time, source}` or Calendly's `invitee.created`.

    Authenticate with your API key, or use the URL from `GET /webhooks/meeting-url`
    (for services such as Calendly that cannot send headers).
    """
    org_id = _webhook_org(query.token)
    try:
        found = parse_meeting(body.model_dump(mode="json", exclude_none=True), utcnow())
    except NotAMeeting as err:
        raise InvalidInput(str(err), {"body": str(err)}) from None
    return {"paused": meeting_booked(unit(), org_id, found.email, found.when, found.source)}


@API.route(bp, "/meeting-url", "GET", tag=TAG, response=WebhookUrlOut)
def meeting_url() -> dict[str, Any]:
    """Your meeting webhook URL with its signed token, for Calendly and the like."""
    token = state().tokens.webhook_token(org())
    return {"url": f"{state().settings.public_url}{PREFIX}/webhooks/meeting?token={token}"}
