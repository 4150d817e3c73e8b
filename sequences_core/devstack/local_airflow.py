"""`make run`'s Airflow: `airflow standalone` on 127.0.0.1:8080 with this repo's DAGs.

Its metadata lives in its own database on the same PostgreSQL; the `sequences_db` and
`aws_default` connections come from the environment; DAGs start unpaused and the DAG
folder is re-read every 30 s; the `ses_send` pool exists. The admin password is generated
once and kept under var/airflow, so every run prints the same login.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sequences_core.runtime.config import SEND_SLOTS

ROOT = Path(__file__).resolve().parents[2]  # the checkout
HOST, PORT = "127.0.0.1", 8080
ADMIN = "admin"
# Where Airflow shows plugins/sequences_plugin.py's page, inside its own frame and navigation.
SEQUENCES_UI_PATH = "/plugin/sequences"


@dataclass
class LocalAirflow:
    url: str
    username: str
    password: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # standalone and all it started
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _password(home: Path) -> str:
    path = home / "simple_auth_manager_passwords.json.generated"
    if path.exists():
        return str(json.loads(path.read_text())[ADMIN])
    password = secrets.token_urlsafe(12)
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({ADMIN: password}))
    path.chmod(0o600)
    return password


def airflow_env(home: Path, metadata_url: str, sequences_url: str, aws_conn: str) -> dict[str, str]:
    port = os.environ.get("SEQUENCES_AIRFLOW_PORT", str(PORT))
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url.replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "AIRFLOW__API__HOST": HOST,
        "AIRFLOW__API__PORT": port,
        "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
        "AIRFLOW_CONN_SEQUENCES_DB": sequences_url,
        "AIRFLOW_CONN_AWS_DEFAULT": aws_conn,
        "PYTHONPATH": str(ROOT),
    }


def start_airflow(home: Path, env: dict[str, str], timeout: float = 240) -> LocalAirflow:
    bin_dir = Path(sys.executable).parent  # standalone starts its parts as `airflow …`
    full = {**os.environ, **env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    airflow = str(bin_dir / "airflow")
    log = home / "standalone.log"
    home.mkdir(parents=True, exist_ok=True)
    password = _password(home)
    with log.open("ab") as out:  # our own interpreter's airflow, fixed arguments
        subprocess.run(  # noqa: S603
            [airflow, "db", "migrate"], env=full, check=True, stdout=out, stderr=out
        )
        subprocess.run(  # noqa: S603
            [airflow, "pools", "set", "ses_send", str(SEND_SLOTS), "concurrent SES sends"],
            env=full, check=True, stdout=out, stderr=out,
        )  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own interpreter's airflow
        [airflow, "standalone"], env=full, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = env["AIRFLOW__API__BASE_URL"]
    started = LocalAirflow(url, ADMIN, password, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=3):  # noqa: S310
                return started
        except OSError:
            time.sleep(1)
    started.stop()
    raise RuntimeError(f"Airflow did not come up; see {log}")
