"""`sequences keys`: an organization's API keys (list, create, revoke)."""

from __future__ import annotations

from typing import Any

import click

from sequences_core.cli.common import actor, emit, friendly_errors, json_option, org_id, org_option
from sequences_core.cli.common import uow as new_uow


@click.group()
def keys() -> None:
    """API keys: list, create, revoke (audited)."""


def _key(key: Any) -> dict[str, Any]:
    return {
        "id": str(key.id), "name": key.name, "prefix": key.prefix,
        "created_at": key.created_at, "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }  # fmt: skip


@keys.command("list")
@org_option
@json_option
@friendly_errors
def keys_list(org: str, as_json: bool) -> None:
    """Every key with its prefix, creation and last use (revoked ones too)."""
    from sequences_core.services.organizations import list_api_keys

    with new_uow() as unit:
        emit([_key(k) for k in list_api_keys(unit, org_id(org))], as_json)


@keys.command("create")
@org_option
@click.option("--name", required=True, help="what the key is for, e.g. crm-sync")
@json_option
@friendly_errors
def keys_create(org: str, name: str, as_json: bool) -> None:
    """Create a key; prints it this once."""
    from sequences_core.services.organizations import create_api_key

    with new_uow() as unit:
        key, plaintext = create_api_key(unit, org_id(org), name, actor())
        emit({**_key(key), "key": plaintext}, as_json)
    if not as_json:
        click.echo("store the key now: it is not shown again", err=True)


@keys.command("revoke")
@org_option
@click.argument("key_id")
@json_option
@friendly_errors
def keys_revoke(org: str, key_id: str, as_json: bool) -> None:
    """Revoke a key: every API process refuses it from the next request on."""
    from sequences_core.services.organizations import revoke_api_key

    with new_uow() as unit:
        emit(_key(revoke_api_key(unit, org_id(org), key_id, actor())), as_json)
