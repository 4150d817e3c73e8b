"""`make run`: bring up the local stack in the foreground and take it down on Ctrl-C.

In order: embedded PostgreSQL; moto (SES, SNS, SQS, S3) on 127.0.0.1:5055; the tracking
app (REST API, pixel, clicks, unsubscribe, webhooks) under gunicorn on 127.0.0.1:5050;
`airflow standalone` on 127.0.0.1:8080 running the DAGs. `SEQUENCES_DEV_AIRFLOW=0` leaves
Airflow out: a thread here then runs one dispatch cycle a minute instead.
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

from sequences_core.db import migrate
from sequences_core.db.engine import build_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import EmbeddedPostgres
from sequences_core.devstack.local_airflow import (
    SEQUENCES_UI_PATH,
    LocalAirflow,
    airflow_env,
    start_airflow,
)
from sequences_core.devstack.local_aws import LocalAws, start_local_aws
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import DATABASE, build_feeds, dispatch_context, embedded_server
from sequences_core.services.cycle import run_cycle
from sequences_core.services.demo import seed_demo

READY_LINE = "sequences stack is up"
DEMO_FROM = "demo@sequences.example"


DISPATCH_EVERY_SECONDS = 60


def _dispatch_every(
    settings: Settings, engine: Engine, stop: threading.Event, console: Console
) -> None:
    ctx = dispatch_context(settings)
    feeds = build_feeds(settings)
    while not stop.is_set():
        try:
            summary = run_cycle(lambda: UnitOfWork(engine), ctx, feeds).dispatch
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
    conf = Path(__file__).resolve().parents[2] / "tracking_app" / "gunicorn_conf.py"
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


def _with_local_aws(settings: Settings, console: Console) -> tuple[Settings, LocalAws | None]:
    """moto with SES/SNS/SQS/S3 ready; the whole stack then sends through SES to it."""
    if os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("SEQUENCES_DEV_AWS") == "0":
        return settings, None
    port = int(os.environ.get("SEQUENCES_MOTO_PORT", "5055"))
    domain = (settings.default_from_email or DEMO_FROM).rsplit("@", 1)[1]
    console.print(f"starting moto (SES, SNS, SQS, S3) on 127.0.0.1:{port}")
    aws = start_local_aws(port, domain)
    os.environ.update(aws.env())
    os.environ.setdefault("SEQUENCES_SENDER", "ses")
    return Settings.from_env(), aws


def _airflow_metadata_url(server: EmbeddedPostgres | None) -> str | None:
    if server is not None:
        return server.ensure_database("airflow")
    return os.environ.get("SEQUENCES_AIRFLOW_DATABASE_URL")  # your server: say where


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
    aws: LocalAws | None = None
    airflow: LocalAirflow | None = None
    dispatcher: threading.Thread | None = None
    try:
        engine = build_engine(url)
        migrate.upgrade(engine)
        with UnitOfWork(engine) as uow:
            seed = seed_demo(uow, settings.default_from_email or DEMO_FROM)
        key_file = settings.var_dir / "demo-api-key"
        if seed.api_key:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(seed.api_key + "\n")
            key_file.chmod(0o600)
        api_key = (
            key_file.read_text().strip() if key_file.exists() else "(see `sequences org create`)"
        )
        settings, aws = _with_local_aws(settings, console)
        tracking, base = _start_tracking_app(settings, url)
        if not os.environ.get("SEQUENCES_PUBLIC_URL"):
            settings = replace(settings, public_url=base)  # links point at this app
            os.environ["SEQUENCES_PUBLIC_URL"] = base
        metadata = _airflow_metadata_url(server)
        if os.environ.get("SEQUENCES_DEV_AIRFLOW", "1") != "0" and metadata:
            console.print("starting Airflow (airflow standalone); the first start takes a minute")
            home = settings.var_dir / "airflow"
            airflow = start_airflow(
                home,
                airflow_env(home, metadata, url, aws.airflow_connection() if aws else "aws://"),
            )
        table = Table(title="Sequences — local stack", show_header=False)
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        table.add_row("PostgreSQL", url)
        if aws is not None:
            table.add_row("moto (SES, SQS, S3)", aws.endpoint)
        table.add_row("REST API", f"{base}/api/sequences (Authorization: Bearer <API key>)")
        table.add_row("API docs", f"{base}/api/sequences/docs")
        table.add_row("OpenAPI", f"{base}/api/sequences/openapi.json")
        if airflow is not None:
            table.add_row("Airflow", airflow.url)
            table.add_row("Airflow login", f"{airflow.username} / {airflow.password}")
            table.add_row("Sequences UI", f"{airflow.url}{SEQUENCES_UI_PATH}")
        table.add_row("demo organization", str(seed.organization_id))
        table.add_row("demo API key", api_key)
        table.add_row("demo template", f"{seed.template_id} ({seed.leads} leads)")
        table.add_row("sender", settings.sender)
        if settings.sender == "outbox":
            table.add_row("outbox (sent mail)", str(settings.var_dir / "outbox"))
        console.print(table)
        if airflow is None:  # without Airflow, dispatch from here once a minute
            dispatcher = threading.Thread(
                target=_dispatch_every, args=(settings, engine, stop, console), daemon=True
            )
            dispatcher.start()
        console.print(f"{READY_LINE}; press Ctrl-C to stop", highlight=False)
        stop.wait()
        console.print("stopping …")
        if dispatcher is not None:
            dispatcher.join(timeout=30)
        engine.dispose()
    finally:
        if airflow is not None:
            airflow.stop()
        if tracking is not None:
            _stop_process(tracking)
        if aws is not None:
            aws.stop()
        if server is not None:
            server.stop()
    console.print("stopped")
    return 0
