"""`sequences schedule`: send-window arithmetic, as the engine sees it.

Scripts call `schedule explain` in loops, so it checks its input here rather than through
`schemas` (pydantic, Jinja: ~0.4 s of imports), with the same rules and messages.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

import click

from sequences_core.cli.common import friendly_errors

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


@click.group()
def schedule() -> None:
    """Send-window arithmetic, as the engine sees it."""


def _zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin", param_hint="--tz"
        ) from None


def _country(code: str) -> str:
    """The alpha-2 code of a country `holidays` has a calendar for (alpha-3 and aliases too)."""
    from holidays.registry import COUNTRIES

    wanted = code.strip().upper()
    for names in COUNTRIES.values():
        if wanted in names[1:] and len(wanted) <= 3:
            return names[1]
    raise click.BadParameter(
        f"no holiday calendar for country {code!r}; use an ISO 3166 code", param_hint="--country"
    )


def _parse_window(window: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in window.split("-"))
    except ValueError:
        raise click.BadParameter(
            "use HH:MM-HH:MM, e.g. 09:00-17:00", param_hint="--window"
        ) from None
    if end <= start:
        raise click.BadParameter("the window must end after it starts", param_hint="--window")
    return start, end


def _parse_days(days: str) -> frozenset[int]:
    chosen: set[int] = set()
    try:
        for part in days.split(","):
            low, _, high = part.partition("-")
            chosen.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise click.BadParameter(
            "use ISO weekdays, e.g. 1-5 or 1,3,5", param_hint="--days"
        ) from None
    if not chosen or not chosen <= set(range(1, 8)):
        raise click.BadParameter("weekdays run from 1 (Monday) to 7 (Sunday)", param_hint="--days")
    return frozenset(chosen)


def _parse_instant(at: str | None) -> datetime:
    if not at:
        from sequences_core.clock import utcnow

        return utcnow()
    try:
        instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("use an ISO 8601 instant", param_hint="--at") from None
    if instant.tzinfo is None:
        raise click.BadParameter(
            "give a UTC offset or Z, e.g. 2026-12-24T16:30:00Z", param_hint="--at"
        )
    return instant


@schedule.command("explain")
@click.option("--tz", "zone", required=True, help="IANA time zone, e.g. Europe/Berlin")
@click.option("--window", default="09:00-17:00", show_default=True)
@click.option("--days", default="1-5", show_default=True, help="ISO weekdays, Monday = 1")
@click.option("--country", default=None, help="ISO country code for public holidays")
@click.option("--at", "at", default=None, help="ISO instant (default: now)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@friendly_errors
def schedule_explain(
    zone: str, window: str, days: str, country: str | None, at: str | None, as_json: bool
) -> None:
    """When would an email go, and why were the days before skipped?"""
    from sequences_core.schedule import SendRules, explain

    start, end = _parse_window(window)
    rules = SendRules(
        _zone(zone), start, end, _parse_days(days), _country(country) if country else None
    )
    instant = _parse_instant(at)
    result = explain(instant, rules)
    skipped = [{"date": s.day.isoformat(), "reason": s.reason} for s in result.skipped]
    if as_json:
        click.echo(json.dumps({
            "at": instant.astimezone(UTC).isoformat(),
            "next_allowed_utc": result.next_allowed.isoformat(),
            "next_allowed_local": result.local.isoformat(),
            "timezone": zone, "skipped": skipped,
        }, indent=2))  # fmt: skip
        return
    click.echo(f"next allowed instant: {result.next_allowed:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"                      {result.local:%Y-%m-%d %H:%M:%S %Z} ({zone})")
    for item in skipped:
        click.echo(f"  skipped {item['date']}: {item['reason']}")
