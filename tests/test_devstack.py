"""`make run`'s stack: up, migrated, seeded, stopped by Ctrl-C; a second run reuses the data."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sequences_core.db.models import Lead, Organization, SequenceEnrollment
from sequences_core.devstack.embedded_db import EmbeddedPostgres, free_port
from sequences_core.devstack.stack import READY_LINE
from sequences_core.services.demo import seed_demo


def start_and_stop(env: dict[str, str], while_up=None, timeout: float = 90) -> str:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sequences_core.cli", "dev", "up"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if READY_LINE in line:
            break
    else:
        proc.kill()
        pytest.fail("stack did not come up:\n" + "".join(lines))
    if while_up is not None:
        while_up("".join(lines))
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "stopped" in rest
    return "".join(lines)


@pytest.mark.timeout(240)
def test_stack_comes_up_and_reuses_its_data(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "SEQUENCES_DATABASE_URL"}
    env.update(
        SEQUENCES_VAR_DIR=str(tmp_path / "var"),
        SEQUENCES_EMBEDDED_PG_PORT=str(free_port()),
        SEQUENCES_MOTO_PORT=str(free_port()),
        SEQUENCES_DEV_AIRFLOW="0",  # the Airflow test below brings up the whole stack
        COLUMNS="200",
    )
    port = free_port()
    env["SEQUENCES_TRACKING_BIND"] = f"127.0.0.1:{port}"
    served = []

    def api_answers(output: str) -> None:
        assert f"http://127.0.0.1:{port}/api/sequences/docs" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sequences/openapi.json") as r:
            served.append(json.load(r)["openapi"])
        key = re.search(r"demo API key\s*│\s*(\S+)", output).group(1)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/sequences/templates",
            headers={"Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request) as r:
            served.append(json.load(r)["items"][0]["name"])

    first = start_and_stop(env, api_answers)
    second = start_and_stop(env)
    assert served[0].startswith("3.1") and served[1]  # the API served the demo template
    org = re.search(r"demo organization\s*│\s*(\S+)", first)
    assert org, first
    assert org.group(1) in second  # the same demo org: data survived the restart
    assert "demo API key" in second and "sq_" in second
    server = EmbeddedPostgres(tmp_path / "var" / "pg", port=int(env["SEQUENCES_EMBEDDED_PG_PORT"]))
    assert not server.is_running()  # Ctrl-C stopped PostgreSQL too


def test_demo_seed_is_idempotent(uow):
    first = seed_demo(uow)
    second = seed_demo(uow)
    assert first.api_key and second.api_key is None
    assert (first.organization_id, first.template_id) == (
        second.organization_id,
        second.template_id,
    )
    assert (first.leads, first.enrolled, second.enrolled) == (50, 50, 0)
    zones = set(uow.session.scalars(select(Lead.timezone)))
    assert len(zones) >= 10
    assert uow.session.scalar(select(func.count()).select_from(Organization)) == 1
    assert uow.session.scalar(select(func.count()).select_from(SequenceEnrollment)) == 50


def _json(url: str, body=None, token: str | None = None, method: str | None = None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method or ("POST" if body is not None else "GET"),
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def _wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
            if found:
                return found
        except OSError:
            pass
        time.sleep(2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.timeout(900)
def test_make_run_brings_up_airflow_and_a_dispatch_run_succeeds(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEQUENCES_", "AWS_"))}
    airflow_port, tracking_port = free_port(), free_port()
    env.update(
        SEQUENCES_VAR_DIR=str(tmp_path / "var"),
        SEQUENCES_EMBEDDED_PG_PORT=str(free_port()),
        SEQUENCES_MOTO_PORT=str(free_port()),
        SEQUENCES_AIRFLOW_PORT=str(airflow_port),
        SEQUENCES_TRACKING_BIND=f"127.0.0.1:{tracking_port}",
        COLUMNS="200",
    )
    base = f"http://127.0.0.1:{airflow_port}"
    outcome = {}

    def trigger_dispatch(output: str) -> None:
        login = re.search(r"Airflow login\s*│\s*(\S+) / (\S+)", output)
        assert login, output
        assert _json(f"{base}/api/v2/monitor/health")["metadatabase"]["status"] == "healthy"
        with urllib.request.urlopen(f"http://127.0.0.1:{tracking_port}/healthz") as answer:
            assert answer.status == 200
        credentials = {"username": login.group(1), "password": login.group(2)}
        token = _json(f"{base}/auth/token", credentials)["access_token"]
        _wait(lambda: _json(f"{base}/api/v2/dags/sequences_dispatch", token=token), 240,
              "the DAG to be parsed")  # fmt: skip
        run = _json(f"{base}/api/v2/dags/sequences_dispatch/dagRuns", {"logical_date": None},
                    token=token)  # fmt: skip
        path = f"{base}/api/v2/dags/sequences_dispatch/dagRuns/{run['dag_run_id']}"

        def finished():
            state = _json(path, token=token)["state"]
            return state if state in ("success", "failed") else None

        outcome["state"] = _wait(finished, 420, "the dispatch run")

    output = start_and_stop(env, trigger_dispatch, timeout=420)
    assert outcome["state"] == "success", (
        tmp_path / "var" / "airflow" / "standalone.log"
    ).read_text()[-5000:]
    assert "moto (SES, SQS, S3)" in output and "sender" in output
    with pytest.raises(OSError):  # everything stopped
        urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=3)


def test_a_server_left_on_another_port_is_replaced(tmp_path):
    """A killed run can leave its PostgreSQL up on a port the next run does not use."""
    left = EmbeddedPostgres(tmp_path / "pg", port=free_port(), durable=False)
    left.start()
    ours = EmbeddedPostgres(tmp_path / "pg", port=free_port(), durable=False)
    try:
        assert left.is_running() and not ours.is_running()
        ours.start()
        assert ours.is_running() and not left.is_running()
    finally:
        ours.stop()
