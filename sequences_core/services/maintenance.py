"""Daily housekeeping: cached template metrics, payload retention, reputation report."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text, update

from sequences_core.db.models import Organization, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.metrics import Metrics, metrics
from sequences_core.services.reputation import Verdict, reputation

RAW_RETENTION = timedelta(days=90)

_PRUNE_RAW = text("""
UPDATE sequence_email_events SET raw = NULL
WHERE id IN (SELECT id FROM sequence_email_events
             WHERE raw IS NOT NULL AND occurred_at < :cutoff LIMIT :batch)
""")
_PRUNE_DEAD_LETTERS = text("DELETE FROM feedback_dead_letters WHERE created_at < :cutoff")
# Fresh planner statistics for the tables that grow all day (autovacuum may lag a burst).
_ANALYZE = text(
    "ANALYZE sequence_enrollments, sequence_step_executions, sequence_email_events, send_counters"
)


def refresh_template_metrics(uow: UnitOfWork) -> int:
    """Store each template's metrics in `sequence_templates.metrics` (for lists and the UI)."""
    refreshed = 0
    empty = Metrics().finish().as_dict()
    for org_id in uow.session.scalars(select(Organization.id)):
        report = metrics(uow, org_id)
        for template_id in uow.session.scalars(
            select(SequenceTemplate.id).where(SequenceTemplate.organization_id == org_id)
        ):
            found = report.templates.get(template_id)
            uow.session.execute(
                update(SequenceTemplate)
                .where(SequenceTemplate.id == template_id)
                .values(metrics=found.as_dict() if found else empty)
            )
            refreshed += 1
        uow.commit()
    return refreshed


def prune_payloads(
    uow: UnitOfWork, now: datetime, retention: timedelta = RAW_RETENTION, batch: int = 10_000
) -> int:
    """Drop raw provider payloads (and dead letters) older than the retention; keep the events."""
    cutoff = now - retention
    pruned = 0
    while True:
        done = int(uow.session.execute(_PRUNE_RAW, {"cutoff": cutoff, "batch": batch}).rowcount)  # type: ignore[attr-defined]
        uow.commit()  # in batches: no long lock on a busy table
        pruned += done
        if done < batch:
            break
    uow.session.execute(_PRUNE_DEAD_LETTERS, {"cutoff": cutoff})
    uow.session.execute(_ANALYZE)
    uow.commit()
    return pruned


def reputation_report(uow: UnitOfWork, now: datetime) -> list[Verdict]:
    """Every mailbox's and org's last 7 days, worst first (what the guard acts on)."""
    return sorted(reputation(uow, now), key=lambda v: (-v.bounce_rate, -v.complaint_rate))
