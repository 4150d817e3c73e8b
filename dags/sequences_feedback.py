"""sequences_feedback: drain SES events (SQS), read inbound replies (S3) and IMAP.

Every 10 minutes; the same core call as `sequences ingest`. Re-running it is harmless:
every event is applied exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task
from sequences_runtime import RETRIES


@dag(
    dag_id="sequences_feedback",
    schedule=timedelta(minutes=10),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=RETRIES,
    tags=["sequences"],
    doc_md=__doc__,
)
def sequences_feedback() -> None:
    @task
    def ingest() -> dict[str, int]:
        from sequences_runtime import log_table, runtime

        from sequences_core.clock import utcnow
        from sequences_core.services.ingest import run_feedback_cycle

        rt = runtime()
        summary = run_feedback_cycle(rt.uow, rt.feeds(), utcnow).as_dict()
        log_table("sequences_feedback", summary)
        return summary

    ingest()


sequences_feedback()
