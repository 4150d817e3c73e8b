"""The send forecast against the engine: forecast 14 days, then run the real dispatcher over
the same 14 days with a fake clock, and compare every day's sent and limit-deferred counts.

The clock jumps to each next due instant (the dispatcher running continuously), and the
dispatcher's jitter is held at its lower bound, as the forecast assumes; no events arrive.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from sequences_core.db.models import (
    Mailbox,
    Organization,
    SequenceEnrollment,
    SequenceStepExecution,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.schemas import LeadIn
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.dispatch import DispatchContext, DispatchScope, dispatch_due
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.forecast import simulate
from sequences_core.services.leads import upsert_leads
from tests.conftest import FakeClock
from tests.test_dispatch import email_step, sequence

ORG_ZONE = "Europe/Berlin"
PLACES = [("Asia/Tokyo", "JP"), ("America/New_York", "US"), ("Europe/London", "GB"),
          ("Australia/Sydney", "AU"), (None, None)]  # fmt: skip
START = datetime(2026, 12, 17, 5, 0, tzinfo=UTC)  # a Thursday; Christmas in the fortnight
DAYS = 14


class NoJitter(random.Random):
    """The dispatcher's jitter at its lower bound (the forecast's assumption)."""

    def uniform(self, a: float, b: float) -> float:
        return a


def _leads(prefix: str, count: int) -> list[LeadIn]:
    return [
        LeadIn(email=f"{prefix}{i}@lead.example", first_name="Pat",
               timezone=PLACES[i % len(PLACES)][0], country=PLACES[i % len(PLACES)][1])
        for i in range(count)
    ]  # fmt: skip


def _mailbox(uow: UnitOfWork, org_id: uuid.UUID, name: str, **values: Any) -> uuid.UUID:
    box = Mailbox(organization_id=org_id, from_email=f"{name}@sender.example", **values)
    uow.session.add(box)
    uow.commit()
    return box.id


def _enrol(
    uow: UnitOfWork, org_id: uuid.UUID, template: uuid.UUID, leads: list[LeadIn],
    mailbox_id: uuid.UUID,
) -> None:  # fmt: skip
    ids = list(upsert_leads(uow, org_id, leads).ids.values())
    bulk_enroll(uow, org_id, template, ids, start_at=START, mailbox_id=mailbox_id)


def _seed(uow: UnitOfWork, org_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Two templates across zones; a warming-up mailbox, a template limit and an org limit
    that each hold emails back on some days."""
    uow.session.execute(
        update(Organization)
        .where(Organization.id == org_id)
        .values(timezone=ORG_ZONE, daily_limit=50)
    )
    uow.commit()
    ramp = {"start_date": "2026-12-16", "start_per_day": 20, "increase_per_day": 10}
    warm = _mailbox(uow, org_id, "warm", daily_limit=45, timezone="America/New_York", warmup=ramp)
    other = _mailbox(uow, org_id, "other", daily_limit=1000)
    window = {"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]}
    steps: list[tuple[str, dict[str, Any]]] = [
        email_step("Intro"), ("wait", {"business_days": 2}), email_step(None),
        ("wait", {"days": 3}), email_step(None),
    ]  # fmt: skip
    outreach = sequence(uow, org_id, steps, send_window=window, holidays="DE")
    single = sequence(uow, org_id, [email_step("Hi")], send_window=window, daily_limit=12)
    _enrol(uow, org_id, outreach, _leads("a", 160), warm)
    _enrol(uow, org_id, single, _leads("b", 40), other)
    return {"outreach": outreach, "single": single, "warm": warm}


def _run_engine(
    new_uow: Any, org_id: uuid.UUID, tmp_path: Any
) -> tuple[Counter[tuple[date, uuid.UUID]], Counter[date]]:
    """The dispatcher, the clock jumping to each next due instant until the fortnight ends."""
    clock = FakeClock(START)
    ctx = DispatchContext(
        sender=OutboxSender(tmp_path), tokens=Tokens("test-secret"),
        public_url="https://track.example", now=clock, rng=NoJitter(),
    )  # fmt: skip
    end = datetime.combine(START.astimezone(ZoneInfo(ORG_ZONE)).date() + timedelta(days=DAYS),
                           datetime.min.time(), ZoneInfo(ORG_ZONE))  # fmt: skip
    deferred: Counter[date] = Counter()
    cycles = 0
    while True:
        with new_uow() as uow:
            due = uow.session.scalar(
                select(func.min(SequenceEnrollment.next_run_at)).where(
                    SequenceEnrollment.organization_id == org_id,
                    SequenceEnrollment.status == "active",
                )
            )
        if due is None or due >= end:
            break
        clock.current = max(clock.current, due)
        summary = dispatch_due(new_uow, ctx, DispatchScope(organization_id=org_id))
        deferred[clock().astimezone(ZoneInfo(ORG_ZONE)).date()] += summary.deferred_limit
        cycles += 1
    assert cycles > 20
    with new_uow() as uow:
        rows = uow.session.execute(
            select(SequenceStepExecution.completed_at, SequenceEnrollment.template_id)
            .join(SequenceEnrollment, SequenceEnrollment.id == SequenceStepExecution.enrollment_id)
            .where(SequenceStepExecution.status == "sent")
        ).all()
    sent = Counter((t.astimezone(ZoneInfo(ORG_ZONE)).date(), template) for t, template in rows)
    return sent, deferred


def test_forecast_agrees_with_the_engine_day_by_day(uow, org_id, new_uow, tmp_path):
    seeded = _seed(uow, org_id)
    with new_uow() as fresh:
        forecast = simulate(fresh, org_id, START, DAYS)
    sent, deferred = _run_engine(new_uow, org_id, tmp_path)

    for template in (seeded["outreach"], seeded["single"]):  # each template's share, per day
        predicted = {d.day: d.sent for d in forecast.scope(template).days}
        assert predicted == {d: sent.get((d, template), 0) for d in predicted}, template
    predicted_deferred = {d.day: d.deferred_total for d in forecast.org.days}
    assert predicted_deferred == {d: deferred.get(d, 0) for d in predicted_deferred}
    # The case is one where limits matter, on several days, and by every kind of limit.
    assert sum(1 for n in predicted_deferred.values() if n) >= 3
    kinds = {ref.scope.value for ref in forecast.org.deferred}
    assert kinds == {"mailbox", "template", "organization"}, kinds
    assert forecast.scope(seeded["single"]).first_sent == 40
    assert sum(sent.values()) == forecast.org.sent
