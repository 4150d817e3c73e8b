"""Run one DAG with `dag.test()` in a fresh interpreter (Airflow reads its config at import).

Usage: python tests/run_dag.py DAG_ID [PARAMS_JSON]; prints as JSON the run's state, its task
states and what each unmapped task returned (its `return_value` XCom).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from airflow.dag_processing.dagbag import BundleDagBag
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session

dags = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
bag = BundleDagBag(dag_folder=str(dags), bundle_path=dags)
assert not bag.import_errors, bag.import_errors
dag = bag.dags[sys.argv[1]]
params = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
run = dag.test(run_conf=params) if params else dag.test()
states = {ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
          for ti in run.get_task_instances()}  # fmt: skip
with create_session() as session:
    pushed = session.scalars(
        XComModel.get_many(
            run_id=run.run_id, dag_ids=dag.dag_id, key="return_value", map_indexes=-1
        )
    )
    returned = {x.task_id: XComModel.deserialize_value(x) for x in pushed}
print(json.dumps({"state": str(run.state), "tasks": states, "returned": returned}, default=str))
