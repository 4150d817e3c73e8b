"""Shared set-up for benchmarks: a scratch database on a real PostgreSQL, and result output."""

from __future__ import annotations

import fcntl
import json
import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from sequences_core.db import migrate
from sequences_core.db.engine import build_engine
from sequences_core.devstack.embedded_db import EmbeddedPostgres, free_port, recreate_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


@contextmanager
def scratch_engine(name: str) -> Iterator[Engine]:
    """A freshly migrated database: on SEQUENCES_DATABASE_URL's server, else an embedded one."""
    external = os.environ.get("SEQUENCES_DATABASE_URL")
    server = None
    if external:
        admin = external
    else:
        server = bench_server()
        admin = server.url()
    engine = build_engine(recreate_database(admin, name))
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if server is not None and not _others_connected(server):
            server.stop()


def bench_server() -> EmbeddedPostgres:
    """The benchmarks' embedded server, started; when another benchmark run already has it
    up (two terminals), that one on its port: starting ours on a new port would stop it."""
    server = EmbeddedPostgres(ROOT / "var" / "bench-pg", port=free_port())
    server.root.mkdir(parents=True, exist_ok=True)
    with (server.root.parent / "bench-pg.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs starting at once: one starts, one joins
        try:
            running = int((server.pgdata / "postmaster.pid").read_text().splitlines()[3])
        except (OSError, IndexError, ValueError):
            running = None
        if running is not None:
            shared = EmbeddedPostgres(server.root, port=running)
            if shared.is_running():
                return shared
        server.start()
    return server


def _others_connected(server: EmbeddedPostgres) -> bool:
    """Whether another benchmark run still works on the server (then it is left running)."""
    with psycopg.connect(server.url(driver="postgresql"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
    return bool(row and row[0])


class Timer:
    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def run(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds = time.perf_counter() - start


def _cell(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def _table(name: str, rows: list[dict[str, object]]) -> Table:
    table = Table(title=name)
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    return table


def _records(name: str, rows: list[dict[str, object]]) -> list[Text]:
    """Each row as its first value, then one `column: value` line per other column."""
    lines = [Text(name, style="bold")]
    for row in rows:
        first, *rest = row.items()
        lines.append(Text(_cell(first[1]), style="bold"))
        lines.extend(Text(f"  {column}: {_cell(value)}") for column, value in rest)
    return lines


def render(name: str, rows: list[dict[str, object]], console: Console) -> None:
    """A table where it fits the terminal unwrapped, else one block of lines per row.

    Rich would otherwise squeeze the columns and cut headers and cells (`reque…`, `targ…`).
    """
    table = _table(name, rows)
    unbounded = console.options.update(width=1_000_000)
    if Measurement.get(console, unbounded, table).maximum <= console.width:
        console.print(table)
        return
    for line in _records(name, rows):
        console.print(line, overflow="fold")


def report(name: str, rows: list[dict[str, object]]) -> None:
    render(name, rows, Console())
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "rows": rows,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
