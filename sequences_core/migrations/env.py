"""Alembic environment: runs against the connection handed in by `sequences_core.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sequences_core.db.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        version_table="sequences_alembic_version",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes["connection"]
run_migrations(connection)
