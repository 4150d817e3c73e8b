"""The REST API blueprint (`/api/sequences/*`, API-key auth); one module per resource."""

from __future__ import annotations

from flask import Blueprint

from tracking_app.registry import PREFIX

bp = Blueprint("api", __name__, url_prefix=PREFIX)

from tracking_app.api import (  # noqa: E402  (each module adds its routes to bp)
    dashboard,
    enrollments,
    events,
    execution,
    forecast,
    keys,
    leads,
    mailboxes,
    organization,
    steps,
    suppressions,
    tasks,
    templates,
)

__all__ = [
    "bp",
    "dashboard",
    "enrollments",
    "events",
    "execution",
    "forecast",
    "keys",
    "leads",
    "mailboxes",
    "organization",
    "steps",
    "suppressions",
    "tasks",
    "templates",
]
