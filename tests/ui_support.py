"""What the Sequences UI tests share: the plugin package on the path, the plugin app mounted
as Airflow mounts it, and one real `airflow standalone` per test session.

Airflow takes most of a minute to start on two cores, so every browser test of the UI shares
one instance (they carry `pytest.mark.xdist_group("airflow_ui")` so one worker runs them).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from sequences_core.devstack.embedded_db import free_port
from sequences_core.devstack.local_airflow import LocalAirflow, airflow_env, start_airflow

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
UI_GROUP = pytest.mark.xdist_group("airflow_ui")

if str(PLUGINS) not in sys.path:  # Airflow puts its plugins folder on sys.path the same way
    sys.path.append(str(PLUGINS))


def plugin_class() -> type:
    return importlib.import_module("sequences_plugin").SequencesPlugin  # type: ignore[no-any-return]


def mounted_app() -> FastAPI:
    """A root app with the plugin's FastAPI apps mounted as Airflow's `init_plugins` does."""
    root = FastAPI()
    for entry in plugin_class().fastapi_apps:
        root.mount(entry["url_prefix"], entry["app"])
    return root


@pytest.fixture(scope="session")
def airflow_ui(pg_server, db_url, worker, tmp_path_factory) -> Iterator[LocalAirflow]:  # type: ignore[no-untyped-def]
    """`airflow standalone` as `make run` starts it (plugins folder, DAGs, admin login), on a
    free port, its metadata in its own database, the Sequences database the tests' one."""
    home = tmp_path_factory.mktemp("airflow-ui")
    meta = pg_server.fresh_database(f"airflow_ui_meta_{worker}")
    port = str(free_port())
    env = airflow_env(home, meta, db_url, "aws://")
    env.update(
        AIRFLOW__API__PORT=port,
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        SEQUENCES_DATABASE_URL=db_url,
    )
    airflow = start_airflow(home, env)
    try:
        yield airflow
    finally:
        airflow.stop()
