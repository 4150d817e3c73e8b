"""The `sequences` command: parse arguments, call one service, print the answer."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from sequences_core import migrate
from sequences_core.config import Settings
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import DomainError
from sequences_core.lead_csv import CsvFatal
from sequences_core.wiring import database_url, engine_for, uow_factory

console = Console(stderr=False)
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(fn: F) -> F:
    """Bad input ends in a message naming the field, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            err_console.print(f"[red]error:[/red] {err.message}")
            for name, message in err.fields.items():
                err_console.print(f"  {name}: {message}")
            sys.exit(2)
        except (CsvFatal, ValueError) as err:
            err_console.print(f"[red]error:[/red] {err}")
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as err:
        raise click.UsageError(str(err)) from None


def _uow() -> UnitOfWork:
    return uow_factory(_settings())()


@click.group()
def main() -> None:
    """Sequences: multi-touch email outreach that stops itself when the lead answers."""


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Apply every migration (safe to run again)."""
    migrate.upgrade(engine_for(database_url(_settings())))
    console.print("database is at the latest schema")


@db.command("downgrade")
@click.argument("revision")
@friendly_errors
def db_downgrade(revision: str) -> None:
    """Roll the schema back to REVISION ('base' for empty)."""
    migrate.downgrade(engine_for(database_url(_settings())), revision)
    console.print(f"database downgraded to {revision}")


@db.command("url")
@friendly_errors
def db_url() -> None:
    """Print the database URL in use."""
    click.echo(database_url(_settings()))


@main.group()
def org() -> None:
    """Organizations (tenants)."""


@org.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone for the org's day")
@friendly_errors
def org_create(name: str, timezone: str) -> None:
    """Create an organization; prints its id and an API key (shown only this once)."""
    from sequences_core.services.organizations import create_organization

    with _uow() as uow:
        created = create_organization(uow, name, timezone=timezone)
    click.echo(f"organization id: {created.organization.id}")
    click.echo(f"api key (store it now, it is not shown again): {created.api_key}")


@main.group()
def leads() -> None:
    """Leads."""


@leads.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_id", required=True, help="organization id")
@click.option("--encoding", default="utf-8", show_default=True)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="map a column to a lead field, e.g. --map 'E-Mail Adresse=email'",
)
@friendly_errors
def leads_import(file: Path, org_id: str, encoding: str, mapping: tuple[str, ...]) -> None:
    """Upsert leads from a CSV; bad rows are reported by line and left out."""
    from sequences_core.services.lead_import import import_leads_csv

    overrides = {}
    for item in mapping:
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise click.BadParameter(f"{item!r} is not COLUMN=FIELD", param_hint="--map")
        overrides[column] = field.strip()
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=False,
    ) as bar, _uow() as uow:  # fmt: skip
        task = bar.add_task("importing leads", total=None)
        report = import_leads_csv(
            uow, org_id, file.read_bytes(), encoding=encoding, overrides=overrides,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{len(report.errors)} with errors"
    )
    for error in report.errors[:200]:
        click.echo(f"  {error}", err=True)
    if len(report.errors) > 200:
        click.echo(f"  … and {len(report.errors) - 200} more", err=True)
    if report.errors:
        sys.exit(1)


@main.command("demo")
@friendly_errors
def demo() -> None:
    """Seed a demo organization, mailbox, template and 50 leads (idempotent)."""
    from sequences_core.services.demo import seed_demo

    settings = _settings()
    migrate.upgrade(engine_for(database_url(settings)))
    with _uow() as uow:
        seed = seed_demo(uow, settings.default_from_email or "demo@sequences.example")
    key_file = settings.var_dir / "demo-api-key"
    if seed.api_key:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(seed.api_key + "\n")
        key_file.chmod(0o600)
    table = Table(title="demo organization", show_header=False)
    table.add_row("organization id", str(seed.organization_id))
    table.add_row("template id", str(seed.template_id))
    table.add_row("leads", str(seed.leads))
    table.add_row("newly enrolled", str(seed.enrolled))
    table.add_row("api key file", str(key_file) if key_file.exists() else "(not kept)")
    console.print(table)


@main.command("tick")
@click.option("--org", "org_id", default=None, help="only this organization's due work")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="machine-readable summary")
@friendly_errors
def tick(org_id: str | None, batch_size: int, as_json: bool) -> None:
    """Run one cycle now, outside Airflow: feedback, then dispatch."""
    from sequences_core.db.repository import as_uuid
    from sequences_core.services.cycle import run_cycle
    from sequences_core.services.dispatch import DispatchScope
    from sequences_core.wiring import build_feeds, dispatch_context

    settings = _settings()
    ctx = dispatch_context(settings, batch_size=batch_size)
    scope = DispatchScope(organization_id=as_uuid(org_id, "org") if org_id else None)
    report = run_cycle(uow_factory(settings), ctx, build_feeds(settings), scope)
    _print_summary("dispatch cycle", report.as_dict(), as_json)


def _feedback_cycle(settings: Settings) -> dict[str, int]:
    from sequences_core.clock import utcnow
    from sequences_core.services.ingest import run_feedback_cycle
    from sequences_core.wiring import build_feeds

    feeds = build_feeds(settings)
    if not feeds.configured:
        return {}
    return run_feedback_cycle(uow_factory(settings), feeds, utcnow).as_dict()


def _print_summary(title: str, values: dict[str, int], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(values))
        return
    table = Table(title=title, show_header=False)
    for name, value in values.items():
        table.add_row(name.replace("_", " "), str(value))
    console.print(table)


@main.command("ingest")
@click.option(
    "--explain",
    "explain_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="classify one raw message (.eml) without touching the database",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@friendly_errors
def ingest(explain_file: Path | None, as_json: bool) -> None:
    """Run one feedback cycle (SES events, inbound replies), or --explain one message."""
    if explain_file is None:
        _print_summary("feedback cycle", _feedback_cycle(_settings()), as_json)
        return
    from sequences_core.feedback.classify import classify

    result = classify(explain_file.read_bytes())
    fields = {
        "classification": result.kind.value,
        "reason": result.reason,
        "from": result.from_address,
        "subject": result.subject,
        "received_at": result.received_at.isoformat() if result.received_at else None,
        "return_date": result.return_date.isoformat() if result.return_date else None,
        "left_company": result.left_company,
        "status_code": result.status_code,
        "bounced_recipients": list(result.bounced_recipients),
        "references": list(result.references),
        "snippet": result.snippet,
    }
    if as_json:
        click.echo(json.dumps(fields, indent=2))
        return
    for name, value in fields.items():
        if value not in (None, "", [], False):
            click.echo(f"{name:>18}: {value}")


@main.group()
def schedule() -> None:
    """Send-window arithmetic, as the engine sees it."""


def _parse_window(window: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in window.split("-"))
    except ValueError:
        raise click.BadParameter(
            "use HH:MM-HH:MM, e.g. 09:00-17:00", param_hint="--window"
        ) from None
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
    from zoneinfo import ZoneInfo

    from sequences_core.clock import utcnow
    from sequences_core.schedule import SendRules, explain
    from sequences_core.schemas import check_country, check_timezone

    try:
        check_timezone(zone)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--tz") from None
    if country:
        try:
            country = check_country(country)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--country") from None
    start, end = _parse_window(window)
    if end <= start:
        raise click.BadParameter("the window must end after it starts", param_hint="--window")
    try:
        instant = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else utcnow()
    except ValueError:
        raise click.BadParameter("use an ISO 8601 instant", param_hint="--at") from None
    if instant.tzinfo is None:
        raise click.BadParameter(
            "give a UTC offset or Z, e.g. 2026-12-24T16:30:00Z", param_hint="--at"
        )
    rules = SendRules(ZoneInfo(zone), start, end, _parse_days(days), country)
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


@main.group()
def dev() -> None:
    """The local stack behind `make run`."""


@dev.command("up")
def dev_up() -> None:
    """Start everything, print URLs and logins, and stop it all on Ctrl-C."""
    from sequences_core.devstack import run_stack

    sys.exit(run_stack(_settings()))


@dev.command("stop")
def dev_stop() -> None:
    """Stop the embedded PostgreSQL if it is running."""
    from sequences_core.wiring import embedded_server

    embedded_server(_settings()).stop()


if __name__ == "__main__":
    main()
