"""The one place that turns settings into an engine and units of work for entry points."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

from sqlalchemy import Engine

from sequences_core.config import Settings
from sequences_core.db.engine import build_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.embedded_db import EmbeddedPostgres

DATABASE = "sequences"


def embedded_server(settings: Settings) -> EmbeddedPostgres:
    port = int(os.environ.get("SEQUENCES_EMBEDDED_PG_PORT", "54329"))
    return EmbeddedPostgres(settings.var_dir / "pg", port=port)


def database_url(settings: Settings) -> str:
    """SEQUENCES_DATABASE_URL if set, else the embedded server under var/ (started if need be)."""
    if settings.database_url:
        return settings.database_url
    server = embedded_server(settings)
    server.start()
    return server.ensure_database(DATABASE)


@cache
def engine_for(url: str) -> Engine:
    return build_engine(url)


def uow_factory(settings: Settings) -> Callable[[], UnitOfWork]:
    engine = engine_for(database_url(settings))
    return lambda: UnitOfWork(engine)
