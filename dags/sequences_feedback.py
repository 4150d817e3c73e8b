"""sequences_feedback: drain SES events (SQS), read inbound replies (S3) and IMAP.

Every 10 minutes; the same core call as `sequences ingest`. Re-running it is harmless:
every event is applied exactly once.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task
from sequences_runtime import DAG_DEFAULTS


@dag(
    dag_id="sequences_feedback",
    schedule=timedelta(minutes=10),
    doc_md=__doc__,
    **DAG_DEFAULTS,
)
def sequences_feedback() -> None:
    @task
    def ingest() -> dict[str, int]:
        from sequences_runtime import log_table, runtime

        summary = runtime().feedback_cycle()
        log_table("sequences_feedback", summary)
        return summary

    ingest()


sequences_feedback()
