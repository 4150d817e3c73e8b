"""`sequences db`: the schema (Alembic and SQLAlchemy load only when a command runs)."""

from __future__ import annotations

import click

from sequences_core.cli.common import console, friendly_errors, settings


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Apply every migration (safe to run again)."""
    from sequences_core.db import migrate
    from sequences_core.runtime.wiring import database_url, engine_for

    migrate.upgrade(engine_for(database_url(settings())))
    console().print("database is at the latest schema")


@db.command("downgrade")
@click.argument("revision")
@friendly_errors
def db_downgrade(revision: str) -> None:
    """Roll the schema back to REVISION ('base' for empty)."""
    from sequences_core.db import migrate
    from sequences_core.runtime.wiring import database_url, engine_for

    migrate.downgrade(engine_for(database_url(settings())), revision)
    console().print(f"database downgraded to {revision}")


@db.command("url")
@friendly_errors
def db_url() -> None:
    """Print the database URL in use."""
    from sequences_core.runtime.wiring import database_url

    click.echo(database_url(settings()))
