"""Leads: list, upsert, read, change, delete, CSV import."""

from __future__ import annotations

from typing import Any

from flask import request

from sequences_core.clock import utcnow
from sequences_core.db.models import Lead
from sequences_core.db.pagination import Page
from sequences_core.rules.lead_csv import CsvFatal
from sequences_core.schemas import LeadIn, LeadUpdate
from sequences_core.services import lead_timeline as timeline_service
from sequences_core.services import leads as service
from sequences_core.services.lead_import import import_leads_csv
from sequences_core.services.lead_timeline import LeadTimeline
from tracking_app.api import bp
from tracking_app.errors import BadRequest
from tracking_app.registry import API
from tracking_app.schemas import (
    Deleted,
    ImportOut,
    ImportQuery,
    LeadOut,
    LeadPage,
    LeadQuery,
    LeadSaved,
)
from tracking_app.schemas_ui import LeadTimelineOut
from tracking_app.state import org, unit

TAG = "leads"


@API.route(bp, "/leads", "GET", tag=TAG, query=LeadQuery, response=LeadPage)
def list_leads(query: LeadQuery) -> Page[Lead]:
    """Leads, newest first; `q` searches email, names and company."""
    return service.list_leads(
        unit(), org(), q=query.q, status=query.status,
        limit=query.limit, cursor=query.cursor,
    )  # fmt: skip


def _saved(lead: Lead, created: bool) -> dict[str, Any]:
    return {**LeadOut.model_validate(lead).model_dump(), "created": created}


@API.route(bp, "/leads", "POST", tag=TAG, body=LeadIn, response=LeadSaved, status=201, also=(200,))
def upsert_lead(body: LeadIn) -> Any:
    """Create a lead, or update the one with this email (empty fields never erase)."""
    lead, created = service.create_or_update_lead(unit(), org(), body)
    return _saved(lead, created), 201 if created else 200


@API.route(bp, "/leads/<lead_id>", "GET", tag=TAG, response=LeadOut)
def get_lead(lead_id: str) -> Lead:
    """Read one lead."""
    return service.get_lead(unit(), org(), lead_id)


@API.route(bp, "/leads/<lead_id>", "PUT", tag=TAG, body=LeadUpdate, response=LeadOut, errors=(409,))
def update_lead(lead_id: str, body: LeadUpdate) -> Lead:
    """Change the fields given; custom fields merge, a null custom field is removed."""
    return service.update_lead(unit(), org(), lead_id, body)


@API.route(bp, "/leads/<lead_id>", "DELETE", tag=TAG, response=Deleted)
def delete_lead(lead_id: str) -> dict[str, Any]:
    """Delete a lead and its enrollments (its events stay, unattributed, in the metrics)."""
    service.delete_lead(unit(), org(), lead_id)
    return {"id": lead_id}


@API.route(
    bp, "/leads/import", "POST", tag=TAG, query=ImportQuery, response=ImportOut,
    errors=(413, 422), upload="text/csv",
)  # fmt: skip
def import_csv(query: ImportQuery) -> dict[str, Any]:
    """Import a CSV (the body, `text/csv`, or a multipart `file`): per-line errors.

    Good rows are upserted in one transaction; a file that cannot be read at all imports
    nothing.
    """
    upload = request.files.get("file")
    data = upload.read() if upload is not None else request.get_data()
    if not data:
        raise BadRequest("Send the CSV as the body or as a `file` part", {"body": "empty"})
    try:
        report = import_leads_csv(unit(), org(), data, encoding=query.encoding)
    except CsvFatal as err:
        raise BadRequest(str(err), {"file": str(err)}) from None
    except LookupError:
        raise BadRequest("Unknown encoding", {"encoding": "not a known text encoding"}) from None
    return {"rows": report.rows, "created": report.created, "updated": report.updated,
            "errors": report.errors}  # fmt: skip


@API.route(bp, "/leads/<lead_id>/timeline", "GET", tag=TAG, response=LeadTimelineOut, errors=(404,))
def lead_timeline(lead_id: str) -> LeadTimeline:
    """Everything that happened to a lead across templates, newest first.

    Every step execution (emails, conditions, tasks, webhook calls and their attempts, with
    failures' reasons), every event (sent, delivered, opened, clicked with the URL, replied
    with its classification, bounced with its status code, unsubscribed; device, client,
    geo and the machine flag), tasks, and for each live enrollment when its next email goes
    and why (as `GET /enrollments/{id}/schedule`).
    """
    return timeline_service.lead_timeline(unit(), org(), lead_id, utcnow())
