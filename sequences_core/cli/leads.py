"""`sequences leads`: CSV import with per-line errors and a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sequences_core.cli.common import console, friendly_errors, uow

SHOWN_ERRORS = 200


@click.group()
def leads() -> None:
    """Leads."""


def _overrides(mapping: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for item in mapping:
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise click.BadParameter(f"{item!r} is not COLUMN=FIELD", param_hint="--map")
        overrides[column] = field.strip()
    return overrides


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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sequences_core.services.lead_import import import_leads_csv

    overrides = _overrides(mapping)
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console(), transient=False,
    ) as bar, uow() as unit:  # fmt: skip
        task = bar.add_task("importing leads", total=None)
        report = import_leads_csv(
            unit, org_id, file.read_bytes(), encoding=encoding, overrides=overrides,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{len(report.errors)} with errors"
    )
    for error in report.errors[:SHOWN_ERRORS]:
        click.echo(f"  {error}", err=True)
    if len(report.errors) > SHOWN_ERRORS:
        click.echo(f"  … and {len(report.errors) - SHOWN_ERRORS} more", err=True)
    if report.errors:
        sys.exit(1)
