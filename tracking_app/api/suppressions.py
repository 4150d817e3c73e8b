"""The suppression list."""

from __future__ import annotations

from typing import Any

from sequences_core.db.models import Suppression
from sequences_core.pagination import Page
from sequences_core.services import suppressions as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import (
    SuppressionCreate,
    SuppressionCreated,
    SuppressionOut,
    SuppressionPage,
    SuppressionQuery,
)
from tracking_app.state import org, unit

TAG = "suppressions"


@API.route(bp, "/suppressions", "GET", tag=TAG, query=SuppressionQuery, response=SuppressionPage)
def list_suppressions(query: SuppressionQuery) -> Page[Suppression]:
    """Suppressed addresses, newest first, by reason or address."""
    return service.list_suppressions(
        unit(), org(), q=query.q, reason=query.reason,
        limit=query.limit, cursor=query.cursor,
    )  # fmt: skip


@API.route(
    bp, "/suppressions", "POST", tag=TAG, body=SuppressionCreate, response=SuppressionCreated,
    status=201,
)  # fmt: skip
def add_suppression(body: SuppressionCreate) -> dict[str, Any]:
    """Suppress an address (idempotent); the lead's live enrollments stop at once."""
    row, stopped = service.add_suppression(unit(), org(), body.email, body.source)
    return {**SuppressionOut.model_validate(row).model_dump(), "stopped_enrollments": stopped}
