"""Migrations upgrade from empty, agree with the models, and downgrade back to empty."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from sequences_core.db import migrate
from sequences_core.db.engine import build_engine
from sequences_core.db.models import Base
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import Conflict
from sequences_core.services.mailboxes import claim_sender_domain


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


def test_0007_gives_each_existing_domain_to_its_oldest_mailboxs_organization(pg_server, worker):
    """Organizations that already share a domain keep their mailboxes; only the owner adds more."""
    engine = build_engine(pg_server.fresh_database(f"sequences_migration_0007_{worker}"))
    try:
        migrate.upgrade(engine, "0006")
        with engine.begin() as conn:
            a, b = (
                conn.execute(
                    text("INSERT INTO organizations (name, slug) VALUES (:n, :n) RETURNING id"),
                    {"n": name},
                ).scalar_one()
                for name in ("a", "b")
            )
            conn.execute(
                text("INSERT INTO mailboxes (organization_id, from_email, created_at)"
                     " VALUES (:org, :email, :at)"),
                [{"org": a, "email": "x@Shared.example", "at": "2026-01-02"},
                 {"org": b, "email": "y@shared.example", "at": "2026-01-01"},
                 {"org": a, "email": "a@a.example", "at": "2026-01-03"},
                 {"org": a, "email": "b@a.example", "at": "2026-01-04"}],
            )  # fmt: skip
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT domain, organization_id FROM sender_domains"))
            owners = {domain: org for domain, org in rows}
            assert conn.execute(text("SELECT count(*) FROM mailboxes")).scalar_one() == 4
        assert owners == {"shared.example": b, "a.example": a}
        with UnitOfWork(engine) as uow:
            claim_sender_domain(uow, b, "z@shared.example")
            with pytest.raises(Conflict):
                claim_sender_domain(uow, a, "z@shared.example")
    finally:
        engine.dispose()
