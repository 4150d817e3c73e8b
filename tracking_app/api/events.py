"""Events: sends, deliveries, opens, clicks, replies (with their classification), bounces."""

from __future__ import annotations

from typing import Any

from sequences_core.services import events as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import EventPage, EventQuery
from tracking_app.state import org, unit

TAG = "events"


@API.route(bp, "/events", "GET", tag=TAG, query=EventQuery, response=EventPage)
def list_events(query: EventQuery) -> dict[str, Any]:
    """Events newest first, by lead, enrollment or type.

    Inbound mail carries its `classification` (human_reply, out_of_office, auto_reply,
    bounce_hard, bounce_soft, unsubscribe_request) and the `reason` it was chosen; machine
    opens and clicks carry `bot` and why.
    """
    items, next_before = service.list_events(
        unit(), org(), lead_id=query.lead_id, enrollment_id=query.enrollment_id,
        event_type=query.type, limit=query.limit,
        before_id=query.before_id,
    )  # fmt: skip
    return {"items": items, "next_before_id": next_before}
