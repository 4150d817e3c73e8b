"""`sequences org`: organizations (tenants)."""

from __future__ import annotations

from typing import Any

import click

from sequences_core.cli.common import (
    actor,
    emit,
    friendly_errors,
    json_option,
    org_id,
    org_option,
    reason_option,
)
from sequences_core.cli.common import uow as new_uow


@click.group()
def org() -> None:
    """Organizations: create, settings, pause, reputation, audit, members."""


@org.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone for the org's day")
@friendly_errors
def org_create(name: str, timezone: str) -> None:
    """Create an organization; prints its id and an API key (shown only this once)."""
    from sequences_core.services.organizations import create_organization

    with new_uow() as unit:
        created = create_organization(unit, name, timezone=timezone)
    click.echo(f"organization id: {created.organization.id}")
    click.echo(f"api key (store it now, it is not shown again): {created.api_key}")


def _org(found: Any) -> dict[str, Any]:
    return {
        "id": str(found.id), "name": found.name, "slug": found.slug,
        "timezone": found.timezone, "daily_limit": found.daily_limit,
        "store_full_ip": bool(found.settings.get("store_full_ip", False)),
        "webhook_allow": list(found.settings.get("webhook_allow", [])),
        "paused_reason": found.paused_reason, "reputation_since": found.reputation_since,
    }  # fmt: skip


@org.command("show")
@org_option
@json_option
@friendly_errors
def org_show(org: str, as_json: bool) -> None:
    """The organization's settings, and why it is paused if it is."""
    from sequences_core.services.organizations import get_organization

    with new_uow() as unit:
        emit(_org(get_organization(unit, org_id(org))), as_json)


@org.command("settings")
@org_option
@click.option("--name", default=None)
@click.option("--daily-limit", default=None, help="emails a day at most for the org; 'none' lifts")
@click.option("--timezone", default=None, help="default IANA zone (the org's day, leads')")
@click.option("--store-full-ip/--truncate-ip", default=None, help="keep full IPs (opt-in)")
@click.option(
    "--webhook-allow", default=None, metavar="LIST",
    help="internal hosts/CIDRs webhooks may call, comma-separated (the whole list; '' empties)",
)  # fmt: skip
@json_option
@friendly_errors
def org_settings(
    org: str, name: str | None, daily_limit: str | None, timezone: str | None,
    store_full_ip: bool | None, webhook_allow: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Change only the options given (audited)."""
    from sequences_core.operator_schemas import OrganizationUpdate
    from sequences_core.schemas import parse
    from sequences_core.services.organizations import update_organization

    raw: dict[str, Any] = {
        key: value
        for key, value in (("name", name), ("timezone", timezone), ("store_full_ip", store_full_ip))
        if value is not None
    }
    if daily_limit is not None:
        raw["daily_limit"] = None if daily_limit.lower() == "none" else daily_limit
    if webhook_allow is not None:
        raw["webhook_allow"] = [entry for entry in webhook_allow.split(",") if entry.strip()]
    with new_uow() as unit:
        found = update_organization(unit, org_id(org), parse(OrganizationUpdate, raw), actor())
        emit(_org(found), as_json)


@org.command("pause")
@org_option
@reason_option
@json_option
@friendly_errors
def org_pause(org: str, reason: str, as_json: bool) -> None:
    """Hold every send of the organization until it is resumed."""
    from sequences_core.services.organizations import pause_organization

    with new_uow() as unit:
        emit(_org(pause_organization(unit, org_id(org), reason, actor())), as_json)


@org.command("resume")
@org_option
@reason_option
@json_option
@friendly_errors
def org_resume(org: str, reason: str, as_json: bool) -> None:
    """Lift a pause (the reputation guard's or an operator's); the guard counts from now."""
    from sequences_core.clock import utcnow
    from sequences_core.services.organizations import resume_organization

    with new_uow() as unit:
        emit(_org(resume_organization(unit, org_id(org), reason, actor(), utcnow())), as_json)


@org.command("reputation")
@org_option
@json_option
@friendly_errors
def org_reputation(org: str, as_json: bool) -> None:
    """Sends, hard bounces and complaints over 7 days: why the guard paused, or would."""
    from sequences_core.clock import utcnow
    from sequences_core.services.reputation import reputation_report

    with new_uow() as unit:
        report = reputation_report(unit, org_id(org), utcnow())
    rows = [_standing(s) for s in (report.organization, *report.mailboxes)]
    if not as_json:
        click.echo(f"window: {report.window_start:%Y-%m-%d %H:%M} to {report.window_end:%H:%M} UTC")
    emit(rows, as_json)


def _standing(item: Any) -> dict[str, Any]:
    verdict = item.verdict
    return {
        "name": item.name, "status": item.status, "since": item.counted_since,
        "sent": verdict.sent, "bounces": verdict.bounces,
        "bounce_rate": f"{verdict.bounce_rate:.2%}", "complaints": verdict.complaints,
        "complaint_rate": f"{verdict.complaint_rate:.2%}",
        "over_the_line": verdict.reason, "paused_reason": item.paused_reason,
    }  # fmt: skip


@org.command("audit")
@org_option
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@json_option
@friendly_errors
def org_audit(org: str, limit: int, as_json: bool) -> None:
    """What operators changed by hand, newest first: who, what, when and why."""
    from sequences_core.services.audit import list_audit

    with new_uow() as unit:
        entries = list_audit(unit, org_id(org), limit=limit).items
        emit([
            {"when": e.created_at, "actor": e.actor, "action": e.action,
             "subject": f"{e.subject_type}:{e.subject_id}", "reason": e.reason}
            for e in entries
        ], as_json)  # fmt: skip


@org.command("members")
@org_option
@click.option("--add", "add", multiple=True, metavar="USER", help="an Airflow user to add")
@click.option("--remove", "remove", multiple=True, metavar="USER", help="an Airflow user to remove")
@json_option
@friendly_errors
def org_members(org: str, add: tuple[str, ...], remove: tuple[str, ...], as_json: bool) -> None:
    """Airflow users who work in this organization's pages. While no organization has any,
    every user who may open the pages works in all of them."""
    from sequences_core.services import members

    with new_uow() as unit:
        for user in add:
            members.add_member(unit, org_id(org), user, actor())
        for user in remove:
            members.remove_member(unit, org_id(org), user, actor())
        emit({"members": members.list_members(unit, org_id(org))}, as_json)
