"""Daily housekeeping: cached template metrics and raw payload retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from sequences_core.db.models import SequenceEmailEvent, SequenceTemplate
from sequences_core.services.maintenance import prune_payloads, refresh_template_metrics
from tests.factories import leads, template_with_steps


def _event(uow, org_id, enrollment_id, kind, when, raw):
    uow.session.add(
        SequenceEmailEvent(
            organization_id=org_id,
            enrollment_id=enrollment_id,
            type=kind,
            occurred_at=when,
            raw=raw,
        )
    )
    uow.session.flush()


def test_refresh_caches_each_templates_metrics(uow, org_id):
    from sequences_core.services.enrollments import bulk_enroll

    template = template_with_steps(uow, org_id)
    idle = template_with_steps(uow, org_id)
    result = bulk_enroll(uow, org_id, template, leads(uow, org_id, 2))
    now = datetime.now(UTC)
    for enrollment in result.enrolled.values():
        _event(uow, org_id, enrollment, "sent", now, None)
    uow.commit()
    assert refresh_template_metrics(uow) == 2
    cached = dict(uow.session.execute(select(SequenceTemplate.id, SequenceTemplate.metrics)).all())
    assert cached[template]["sent"] == 2 and cached[template]["enrolled"] == 2
    assert cached[idle]["sent"] == 0 and cached[idle]["rates"]["open_rate"] == 0.0


def test_prune_drops_old_raw_payloads_only(uow, org_id):
    now = datetime.now(UTC)
    for days in (200, 100, 10):
        _event(uow, org_id, None, "bounce", now - timedelta(days=days), {"age": days})
    uow.session.execute(
        text(
            "INSERT INTO feedback_dead_letters (source, reason, body, created_at)"
            " VALUES ('sqs', 'bad', '{', now() - interval '120 days')"
        )
    )
    uow.commit()
    assert prune_payloads(uow, now, timedelta(days=90), batch=1) == 2  # several batches
    kept = uow.session.scalars(select(SequenceEmailEvent.raw).order_by(SequenceEmailEvent.id)).all()
    assert kept == [None, None, {"age": 10}]
    assert uow.session.execute(text("SELECT count(*) FROM feedback_dead_letters")).scalar() == 0
    assert len(uow.session.scalars(select(SequenceEmailEvent.id)).all()) == 3  # events stay
