"""The one registry of declared operations, shared by the api, tracking and webhooks
blueprints, so the OpenAPI document covers every route."""

from __future__ import annotations

from tracking_app.openapi import Api
from tracking_app.state import authenticate, rate_limit

PREFIX = "/api/sequences"

API = Api("Sequences API", "1.0.0", PREFIX, authenticate=authenticate, rate_limit=rate_limit)
