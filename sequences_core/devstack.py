"""`make run`: bring up the local stack in the foreground and take it down on Ctrl-C.

Embedded PostgreSQL, then the tracking app (REST API, pixel, clicks, unsubscribe) under
gunicorn on 127.0.0.1:5050. Until Airflow joins the stack, a dispatcher thread here runs
one cycle a minute (the same core call as `sequences tick`), so the demo really sends (to
var/outbox) and its links point at the running tracking app.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from sequences_core import migrate
from sequences_core.config import Settings
from sequences_core.db.engine import build_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.demo import seed_demo
from sequences_core.services.dispatch import run_dispatch_cycle
from sequences_core.wiring import DATABASE, dispatch_context, embedded_server

READY_LINE = "sequences stack is up"


DISPATCH_EVERY_SECONDS = 60


def _dispatch_every(
    settings: Settings, engine: Engine, stop: threading.Event, console: Console
) -> None:
    ctx = dispatch_context(settings)
    while not stop.is_set():
        try:
            summary = run_dispatch_cycle(lambda: UnitOfWork(engine), ctx)
        except Exception as err:  # keep the stack up; the next cycle retries
            console.print(f"[red]dispatch cycle failed:[/red] {err}")
        else:
            if summary.claimed:
                console.print(
                    f"dispatch: {summary.sent} sent, {summary.deferred_window} waiting for their "
                    f"window, {summary.deferred_limit} over a daily limit"
                )
        stop.wait(DISPATCH_EVERY_SECONDS)


TRACKING_BIND = "127.0.0.1:5050"


def _start_tracking_app(settings: Settings, url: str) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn serving tracking_app, waited for until /healthz answers."""
    bind = os.environ.get("SEQUENCES_TRACKING_BIND", TRACKING_BIND)
    conf = Path(__file__).resolve().parent.parent / "tracking_app" / "gunicorn_conf.py"
    env = {**os.environ, "SEQUENCES_DATABASE_URL": url, "SEQUENCES_TRACKING_BIND": bind,
           "SEQUENCES_VAR_DIR": str(settings.var_dir)}  # fmt: skip
    log = (settings.var_dir / "tracking-app.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and config
        [sys.executable, "-m", "gunicorn", "-c", str(conf)], env=env, stdout=log, stderr=log
    )
    base = f"http://{bind}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 - loopback
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the tracking app did not start; see {log.name}")


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)  # graceful: buffered tracking hits are written
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def run_stack(settings: Settings) -> int:
    console = Console()
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    server = None if settings.database_url else embedded_server(settings)
    if server is not None:
        console.print(f"starting embedded PostgreSQL (data in {server.pgdata})")
        server.start()
        url = server.ensure_database(DATABASE)
    else:
        url = settings.database_url or ""
    tracking: subprocess.Popen[bytes] | None = None
    try:
        engine = build_engine(url)
        migrate.upgrade(engine)
        with UnitOfWork(engine) as uow:
            seed = seed_demo(uow, settings.default_from_email or "demo@sequences.example")
        key_file = settings.var_dir / "demo-api-key"
        if seed.api_key:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(seed.api_key + "\n")
            key_file.chmod(0o600)
        api_key = (
            key_file.read_text().strip() if key_file.exists() else "(see `sequences org create`)"
        )

        tracking, base = _start_tracking_app(settings, url)
        if not os.environ.get("SEQUENCES_PUBLIC_URL"):
            settings = replace(settings, public_url=base)  # links point at this app
        table = Table(title="Sequences — local stack", show_header=False)
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        table.add_row("PostgreSQL", url)
        table.add_row("REST API", f"{base}/api/sequences (Authorization: Bearer <API key>)")
        table.add_row("API docs", f"{base}/api/sequences/docs")
        table.add_row("OpenAPI", f"{base}/api/sequences/openapi.json")
        table.add_row("demo organization", str(seed.organization_id))
        table.add_row("demo API key", api_key)
        table.add_row("demo template", f"{seed.template_id} ({seed.leads} leads)")
        table.add_row("outbox (sent mail)", str(settings.var_dir / "outbox"))
        console.print(table)
        dispatcher = threading.Thread(
            target=_dispatch_every, args=(settings, engine, stop, console), daemon=True
        )
        dispatcher.start()
        console.print(f"{READY_LINE}; press Ctrl-C to stop", highlight=False)
        stop.wait()
        dispatcher.join(timeout=30)
        console.print("stopping …")
        engine.dispose()
    finally:
        if tracking is not None:
            _stop_process(tracking)
        if server is not None:
            server.stop()
    console.print("stopped")
    return 0
