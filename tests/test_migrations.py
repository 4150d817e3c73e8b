"""Migrations upgrade from empty, agree with the models, and downgrade back to empty."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sequences_core import migrate
from sequences_core.db.engine import build_engine
from sequences_core.db.models import Base


def test_upgrade_matches_models_and_downgrades_to_empty(pg_server, worker):
    engine = build_engine(pg_server.fresh_database(f"sequences_migrations_{worker}"))
    try:
        migrate.upgrade(engine)
        migrate.upgrade(engine)  # idempotent
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": "sequences_alembic_version"}
            )
            assert compare_metadata(ctx, Base.metadata) == []
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) == {"sequences_alembic_version"}
        migrate.upgrade(engine)
        assert {t.name for t in Base.metadata.sorted_tables} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()
