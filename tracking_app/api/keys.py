"""API keys: list, create (the key shown once), revoke."""

from __future__ import annotations

from typing import Any

from sequences_core.db.models import ApiKey
from sequences_core.services import organizations as service
from tracking_app.api import bp
from tracking_app.operator_schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyOut
from tracking_app.registry import API
from tracking_app.state import actor, org, unit

TAG = "api keys"


@API.route(bp, "/api-keys", "GET", tag=TAG, response=ApiKeyList)
def list_api_keys() -> dict[str, Any]:
    """Your API keys with their prefixes and when each was last used (revoked ones too)."""
    return {"items": service.list_api_keys(unit(), org())}


@API.route(bp, "/api-keys", "POST", tag=TAG, body=ApiKeyCreate, response=ApiKeyCreated, status=201)
def create_api_key(body: ApiKeyCreate) -> dict[str, Any]:
    """Create a key; the answer carries the key itself, this once only."""
    key, plaintext = service.create_api_key(unit(), org(), body.name, actor())
    return {**ApiKeyOut.model_validate(key).model_dump(), "key": plaintext}


@API.route(bp, "/api-keys/<key_id>", "DELETE", tag=TAG, response=ApiKeyOut, errors=(404,))
def revoke_api_key(key_id: str) -> ApiKey:
    """Revoke a key: every server process refuses it (401) from the next request on.

    Idempotent. Revoking the key you call with is allowed: rotate by creating the new key first.
    """
    return service.revoke_api_key(unit(), org(), key_id, actor())
