"""`sequences demo`, `tick` and `ingest`: seed the demo, run a cycle, read the feedback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sequences_core.cli.common import console, friendly_errors, print_summary, settings, uow

if TYPE_CHECKING:
    from sequences_core.runtime.config import Settings


@click.command("demo")
@friendly_errors
def demo() -> None:
    """Seed a demo organization, mailbox, template and 50 leads (idempotent)."""
    from rich.table import Table

    from sequences_core.db import migrate
    from sequences_core.runtime.wiring import database_url, engine_for
    from sequences_core.services.demo import seed_demo

    config = settings()
    migrate.upgrade(engine_for(database_url(config)))
    with uow() as unit:
        seed = seed_demo(unit, config.default_from_email or "demo@sequences.example")
    key_file = config.var_dir / "demo-api-key"
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
    console().print(table)


@click.command("tick")
@click.option("--org", "org_id", default=None, help="only this organization's due work")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="machine-readable summary")
@friendly_errors
def tick(org_id: str | None, batch_size: int, as_json: bool) -> None:
    """Run one cycle now, outside Airflow: feedback, then dispatch."""
    from sequences_core.db.repository import as_uuid
    from sequences_core.runtime.wiring import build_feeds, dispatch_context, uow_factory
    from sequences_core.services.cycle import run_cycle
    from sequences_core.services.dispatch import DispatchScope

    config = settings()
    ctx = dispatch_context(config, batch_size=batch_size)
    scope = DispatchScope(organization_id=as_uuid(org_id, "org") if org_id else None)
    report = run_cycle(uow_factory(config), ctx, build_feeds(config), scope)
    print_summary("dispatch cycle", report.as_dict(), as_json)


def _feedback_cycle(config: Settings) -> dict[str, int]:
    from sequences_core.clock import utcnow
    from sequences_core.runtime.wiring import build_feeds, uow_factory
    from sequences_core.services.ingest import run_feedback_cycle

    feeds = build_feeds(config)
    if not feeds.configured:
        return {}
    return run_feedback_cycle(uow_factory(config), feeds, utcnow).as_dict()


@click.command("ingest")
@click.option(
    "--explain",
    is_flag=True,
    help="classify raw messages (files, or every file of a folder) without a database",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@friendly_errors
def ingest(explain: bool, as_json: bool, paths: tuple[Path, ...]) -> None:
    """Run one feedback cycle (SES events, inbound replies), or --explain messages.

    With --explain, one message file prints every field it was classified by; several files
    or a folder print one line per file (with --json, one JSON object per line).
    """
    if not explain:
        if paths:
            raise click.UsageError("PATHS are messages to classify: add --explain")
        print_summary("feedback cycle", _feedback_cycle(settings()), as_json)
        return
    if not paths:
        raise click.UsageError("--explain needs a message file or a folder of them")
    from sequences_core.cli.explain import explain_each, explain_one

    if len(paths) == 1 and not paths[0].is_dir():
        explain_one(paths[0], as_json)
    else:
        explain_each(paths, as_json)
