"""`sequences schedule`: send-window arithmetic, as the engine sees it.

Scripts call `schedule explain` in loops, so it checks its input here rather than through
`schemas` (pydantic, Jinja: ~0.4 s of imports), with the same rules and messages; only
`--enrollment`, which reads the database, imports the services.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

import click

from sequences_core.cli.common import friendly_errors

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sequences_core.services.schedule_explain import EnrollmentSchedule


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
@click.option("--enrollment", default=None, help="explain this enrollment (with --org)")
@click.option("--org", default=None, help="the enrollment's organization id")
@click.option("--tz", "zone", default=None, help="IANA time zone, e.g. Europe/Berlin")
@click.option("--window", default="09:00-17:00", show_default=True)
@click.option("--days", default="1-5", show_default=True, help="ISO weekdays, Monday = 1")
@click.option("--country", default=None, help="ISO country code for public holidays")
@click.option("--at", "at", default=None, help="ISO instant (default: now)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
@friendly_errors
def schedule_explain(
    ctx: click.Context,
    enrollment: str | None,
    org: str | None,
    zone: str | None,
    window: str,
    days: str,
    country: str | None,
    at: str | None,
    as_json: bool,
) -> None:
    """When would an email go, and why not sooner?

    `--enrollment ID --org ORG`: that enrollment's next email and every reason it does not go
    now, by its template's rules. `--tz` (with `--window`, `--days`, `--country`): the rules
    given here.
    """
    if zone is not None and enrollment is None:
        if org is not None:
            raise click.UsageError("--org goes with --enrollment")
        return _explain_rules(zone, window, days, country, _parse_instant(at), as_json)
    if enrollment is None or zone is not None:
        raise click.UsageError("give either --enrollment (with --org) or --tz, not both")
    given = [f"--{name}" for name in ("window", "days", "country") if _given(ctx, name)]
    if given:
        raise click.UsageError(f"{', '.join(given)} go with --tz; an enrollment has its own")
    if org is None:
        raise click.UsageError("--enrollment needs --org")
    return _explain_enrollment(org, enrollment, _parse_instant(at), as_json)


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE


def _explain_rules(
    zone: str, window: str, days: str, country: str | None, instant: datetime, as_json: bool
) -> None:
    from sequences_core.rules.schedule import SendRules, explain

    start, end = _parse_window(window)
    rules = SendRules(
        _zone(zone), start, end, _parse_days(days), _country(country) if country else None
    )
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


def _explain_enrollment(org: str, enrollment: str, instant: datetime, as_json: bool) -> None:
    from sequences_core.cli.common import org_id, uow
    from sequences_core.services.schedule_explain import explain_enrollment

    with uow() as unit:
        found = explain_enrollment(unit, org_id(org), enrollment, instant)
    if as_json:
        click.echo(json.dumps(_plain(found), indent=2))
        return
    for line in _lines(found):
        click.echo(line)


def _plain(value: Any) -> Any:
    """The explanation as JSON values: each instant as `{utc, local, zone}` (ISO 8601)."""
    from sequences_core.services.schedule_explain import Moment

    if isinstance(value, Moment):
        return {"utc": value.utc.isoformat(), "local": value.local.isoformat(), "zone": value.zone}
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _lines(found: EnrollmentSchedule) -> list[str]:
    step = found.current_step
    at_step = f", on step {step.position} ({step.type})" if step else ""
    why = f" ({found.status_reason})" if found.status_reason else ""
    lines = [
        f"enrollment {found.enrollment_id}: {found.status}{why}{at_step}",
        f"lead's zone: {found.zone} (from the {found.zone_source})"
        + (f", holidays of {found.holiday_country}" if found.holiday_country else ""),
        f"now:          {found.now}",
        f"next run:     {found.next_run_at or '-'}",
    ]
    if found.next_send_at is None:
        lines.append("next email:   none will go")
    else:
        email = found.next_email_step
        which = f" (step {email.position})" if email else ""
        jitter = f", or up to {found.jitter_minutes} min later" if found.jitter_minutes else ""
        held = "; held until what blocks it is lifted" if found.blocked else ""
        lines.append(f"next email{which}: {found.next_send_at}{jitter}{held}")
    lines.append(
        "why not now:" if found.reasons else "nothing holds it: it goes with the next cycle"
    )
    lines += [f"  - {reason.code}: {reason.message}" for reason in found.reasons]
    return lines
