"""`sequences org`: organizations (tenants)."""

from __future__ import annotations

import click

from sequences_core.cli.common import friendly_errors, uow


@click.group()
def org() -> None:
    """Organizations (tenants)."""


@org.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone for the org's day")
@friendly_errors
def org_create(name: str, timezone: str) -> None:
    """Create an organization; prints its id and an API key (shown only this once)."""
    from sequences_core.services.organizations import create_organization

    with uow() as unit:
        created = create_organization(unit, name, timezone=timezone)
    click.echo(f"organization id: {created.organization.id}")
    click.echo(f"api key (store it now, it is not shown again): {created.api_key}")
