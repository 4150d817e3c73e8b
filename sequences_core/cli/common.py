"""What every command shares: settings, a unit of work, consoles, error and summary output.

Nothing heavy at import time: rich, the wiring (SQLAlchemy) and the domain errors (pydantic)
are imported where they are used.
"""

from __future__ import annotations

import functools
import json
import sys
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from sequences_core.db.uow import UnitOfWork
    from sequences_core.runtime.config import Settings

F = TypeVar("F", bound=Callable[..., Any])


@functools.cache
def console() -> Console:
    from rich.console import Console

    return Console(stderr=False)


def friendly_errors(fn: F) -> F:
    """Bad input ends in a message naming the field, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValueError as err:  # CsvFatal is one
            _fail(str(err))
        except Exception as err:
            from sequences_core.errors import DomainError  # loaded already if err is one

            if not isinstance(err, DomainError):
                raise
            _fail(err.message, err.fields)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, fields: dict[str, str] | None = None) -> None:
    click.echo(f"{click.style('error:', fg='red')} {message}", err=True)
    for name, text in (fields or {}).items():
        click.echo(f"  {name}: {text}", err=True)
    sys.exit(2)


def settings() -> Settings:
    from sequences_core.runtime.config import Settings

    try:
        return Settings.from_env()
    except ValueError as err:
        raise click.UsageError(str(err)) from None


def uow() -> UnitOfWork:
    from sequences_core.runtime.wiring import uow_factory

    return uow_factory(settings())()


def print_summary(title: str, values: dict[str, int], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(values))
        return
    from rich.table import Table

    table = Table(title=title, show_header=False)
    for name, value in values.items():
        table.add_row(name.replace("_", " "), str(value))
    console().print(table)


def actor() -> str:
    """Who is changing things, as the audit log names them: the operating-system user."""
    import getpass

    return f"cli:{getpass.getuser()}"


def org_id(value: str) -> uuid.UUID:
    """The --org option as a UUID, or a message naming it."""
    from sequences_core.db.repository import as_uuid

    return as_uuid(value, "org")


def emit(records: list[dict[str, Any]] | dict[str, Any], as_json: bool) -> None:
    """One record as `name: value` lines, several as a table; or JSON (ISO times)."""
    if as_json:
        click.echo(json.dumps(records, indent=2, default=str))
        return
    if isinstance(records, dict):
        width = max(map(len, records), default=0)
        for name, value in records.items():
            click.echo(f"{name.replace('_', ' '):>{width}}: {_plain(value)}")
        return
    if not records:
        click.echo("(none)")
        return
    from rich.table import Table

    table = Table(*records[0])
    for record in records:
        table.add_row(*(_plain(v) for v in record.values()))
    console().print(table)


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return json.dumps(value, default=str) if value else "-"
    return str(value)


def org_option(fn: F) -> F:
    return click.option("--org", "org", required=True, help="organization id")(fn)


def reason_option(fn: F) -> F:
    return click.option("--reason", required=True, help="why: kept in the audit log")(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="machine-readable output")(fn)
