"""Test harness: a real PostgreSQL per test worker, one migrated database, clean tables per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sequences_core.db import migrate
from sequences_core.db.engine import build_engine, normalise_url
from sequences_core.db.models import Base
from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import EmbeddedPostgres, free_port, recreate_database
from sequences_core.services.organizations import create_organization

ROOT = Path(__file__).resolve().parent.parent


class PgServer:
    """Creates databases on the server under test (embedded, or SEQUENCES_DATABASE_URL's)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = normalise_url(admin_url)

    def fresh_database(self, name: str) -> str:
        return recreate_database(self.admin_url, name)


@pytest.fixture(scope="session")
def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pg_server(worker: str) -> Iterator[PgServer]:
    external = os.environ.get("SEQUENCES_DATABASE_URL")
    if external:
        yield PgServer(external)
        return
    # SEQUENCES_TEST_PG_DIR lets two checkouts' (or two people's) runs keep their servers apart.
    base = Path(os.environ.get("SEQUENCES_TEST_PG_DIR", ROOT / "var" / "test-pg"))
    server = EmbeddedPostgres(base / worker, port=free_port(), durable=False)
    server.start()
    try:
        yield PgServer(server.url())
    finally:
        server.stop()


@pytest.fixture(scope="session")
def db_url(pg_server: PgServer, worker: str) -> str:
    return pg_server.fresh_database(f"sequences_test_{worker}")


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = build_engine(db_url, pool_size=10)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Iterator[Engine]:
    yield engine
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def uow(clean_db: Engine) -> Iterator[UnitOfWork]:
    with UnitOfWork(clean_db) as unit:
        yield unit


@pytest.fixture
def new_uow(clean_db: Engine):  # type: ignore[no-untyped-def]
    """A factory of independent units of work (for concurrency tests)."""
    return lambda: UnitOfWork(clean_db)


@pytest.fixture
def org_id(uow: UnitOfWork) -> uuid.UUID:
    return create_organization(uow, "Acme Outbound").organization.id


@pytest.fixture
def other_org_id(uow: UnitOfWork) -> uuid.UUID:
    return create_organization(uow, "Rival Inc").organization.id


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server on loopback, in this process so tests can read what SES received."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def app(clean_db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.api_support import build_app

    flask_app = build_app(clean_db, tmp_path)
    yield flask_app
    flask_app.extensions["sequences"].hits.close()


@pytest.fixture
def acme(app, clean_db: Engine):  # type: ignore[no-untyped-def]
    from tests.api_support import tenant

    return tenant(clean_db, app.test_client(), "Acme")


@pytest.fixture
def rival(app, clean_db: Engine):  # type: ignore[no-untyped-def]
    from tests.api_support import tenant

    return tenant(clean_db, app.test_client(), "Rival")
