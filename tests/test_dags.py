"""The three DAGs: they import cleanly with the database unreachable, with the agreed shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sequences_core.runtime.config import SEND_SLOTS

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: Airflow reads its configuration once, at import.
PROBE = """
import json
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag  # the DagBag Airflow parses bundles with
bag = BundleDagBag(dag_folder=%r, bundle_path=Path(%r))
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "dags": {
        dag_id: {
            "schedule": dag.schedule.total_seconds(), "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "tasks": sorted(t.task_id for t in dag.tasks),
            "pools": sorted({t.pool for t in dag.tasks}),
            "retries": sorted({t.retries for t in dag.tasks}),
            "at_once": {t.task_id: t.max_active_tis_per_dagrun for t in dag.tasks},
        }
        for dag_id, dag in bag.dags.items()
    },
}))
"""


def test_dags_import_with_the_database_unreachable(tmp_path):
    unreachable = "postgresql://nobody:nothing@127.0.0.1:1/none"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": unreachable.replace(
            "postgresql", "postgresql+psycopg"
        ),
        "AIRFLOW_CONN_SEQUENCES_DB": unreachable,
        "SEQUENCES_DATABASE_URL": unreachable,
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (str(ROOT / "dags"), str(ROOT / "dags"))],
        capture_output=True, text=True, env=env, timeout=180, check=True,
    ).stdout  # fmt: skip
    found = json.loads(out.strip().splitlines()[-1])
    assert found["errors"] == {}
    dags = found["dags"]
    assert set(dags) == {"sequences_dispatch", "sequences_feedback", "sequences_maintenance"}
    for dag_id, every in (
        ("sequences_dispatch", timedelta(minutes=10)),
        ("sequences_feedback", timedelta(minutes=10)),
        ("sequences_maintenance", timedelta(days=1)),
    ):
        dag = dags[dag_id]
        assert dag["catchup"] is False and dag["max_active_runs"] == 1, dag_id
        assert dag["retries"] == [3], dag_id
        assert dag["schedule"] == every.total_seconds(), dag_id
    dispatch = dags["sequences_dispatch"]
    assert dispatch["tasks"] == [
        "apply_feedback", "plan_batches", "reconcile_stale_sends", "send_batch", "summarise"
    ]  # fmt: skip
    assert "ses_send" in dispatch["pools"]
    # send_batch's share of the SES rate assumes no more than SEND_SLOTS send at once
    assert dispatch["at_once"]["send_batch"] == SEND_SLOTS
