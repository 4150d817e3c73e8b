"""sequences_maintenance: daily metrics, payload retention and a reputation report.

Tracking tokens are signed, not stored, so there is no token cache to expire.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, get_current_context, task
from sequences_runtime import DAG_DEFAULTS


@dag(
    dag_id="sequences_maintenance",
    schedule=timedelta(days=1),
    params={"retention_days": Param(90, type="integer", minimum=1, maximum=3650)},
    doc_md=__doc__,
    **DAG_DEFAULTS,
)
def sequences_maintenance() -> None:
    @task
    def refresh_metrics() -> int:
        from sequences_runtime import runtime

        from sequences_core.services.maintenance import refresh_template_metrics

        with runtime().uow() as uow:
            return refresh_template_metrics(uow)

    @task
    def prune_payloads() -> int:
        from sequences_runtime import runtime

        from sequences_core.clock import utcnow
        from sequences_core.services import maintenance

        days = int(get_current_context()["params"]["retention_days"])
        with runtime().uow() as uow:
            return maintenance.prune_payloads(uow, utcnow(), timedelta(days=days))

    @task
    def reputation_report() -> list[dict[str, object]]:
        from sequences_runtime import log, runtime

        from sequences_core.clock import utcnow
        from sequences_core.services.maintenance import reputation_report as report

        with runtime().uow() as uow:
            verdicts = report(uow, utcnow())
        rows = [
            {"organization_id": str(v.organization_id),
             "mailbox_id": str(v.mailbox_id) if v.mailbox_id else None, "sent": v.sent,
             "bounce_rate": round(v.bounce_rate, 4), "complaint_rate": round(v.complaint_rate, 4),
             "verdict": v.reason or "ok"}
            for v in verdicts
        ]  # fmt: skip
        for row in rows:
            log.info("reputation %s", row)
        return rows

    refresh_metrics() >> prune_payloads() >> reputation_report()


sequences_maintenance()
