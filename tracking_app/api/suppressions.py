"""The suppression list."""

from __future__ import annotations

from typing import Any

from sequences_core.db.models import Suppression
from sequences_core.db.pagination import Page
from sequences_core.services import suppressions as service
from tracking_app.api import bp
from tracking_app.operator_schemas import SuppressionRemovedOut, SuppressionRemoveQuery
from tracking_app.registry import API
from tracking_app.schemas import (
    SuppressionCreate,
    SuppressionCreated,
    SuppressionOut,
    SuppressionPage,
    SuppressionQuery,
)
from tracking_app.state import actor, org, unit

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
    row, stopped = service.add_suppression(unit(), org(), body.email, body.source, actor())
    return {**SuppressionOut.model_validate(row).model_dump(), "stopped_enrollments": stopped}


@API.route(
    bp, "/suppressions/<suppression_id>", "DELETE", tag=TAG, query=SuppressionRemoveQuery,
    response=SuppressionRemovedOut, errors=(404, 409),
)  # fmt: skip
def remove_suppression(suppression_id: str, query: SuppressionRemoveQuery) -> Suppression:
    """Mail an address again (the person asked to be); `reason` is required and audited.

    A complaint (the person marked our mail as spam) needs `force=true`. Enrollments the
    suppression stopped stay stopped: enrol the lead again if you mean to.
    """
    return service.remove_suppression(
        unit(), org(), suppression_id, query.reason, actor(), force=query.force
    )
