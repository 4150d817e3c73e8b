"""`sequences suppressions`: the addresses never mailed (list, remove)."""

from __future__ import annotations

from typing import Any

import click

from sequences_core.cli.common import actor, emit, friendly_errors, json_option, org_id, org_option
from sequences_core.cli.common import uow as new_uow


@click.group()
def suppressions() -> None:
    """The suppression list: list, remove (audited)."""


def _row(row: Any) -> dict[str, Any]:
    return {"id": str(row.id), "email": row.email, "reason": row.reason, "source": row.source,
            "created_at": row.created_at}  # fmt: skip


@suppressions.command("list")
@org_option
@click.option("--q", "query", default=None, help="search in addresses")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@json_option
@friendly_errors
def suppressions_list(org: str, query: str | None, limit: int, as_json: bool) -> None:
    """Suppressed addresses, newest first."""
    from sequences_core.services.suppressions import list_suppressions

    with new_uow() as unit:
        page = list_suppressions(unit, org_id(org), q=query, limit=limit)
        emit([_row(r) for r in page.items], as_json)


@suppressions.command("remove")
@org_option
@click.argument("suppression_id")
@click.option("--reason", required=True, help="why (e.g. the person asked): audited")
@click.option("--force", is_flag=True, help="needed to remove a complaint (a spam report)")
@json_option
@friendly_errors
def suppressions_remove(
    org: str, suppression_id: str, reason: str, force: bool, as_json: bool
) -> None:
    """Mail an address again; its stopped enrollments stay stopped."""
    from sequences_core.services.suppressions import remove_suppression

    with new_uow() as unit:
        row = remove_suppression(unit, org_id(org), suppression_id, reason, actor(), force=force)
        emit(_row(row), as_json)
