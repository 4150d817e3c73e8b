"""The dispatch cycle on real PostgreSQL with real senders (outbox files, moto's SES server)."""

from __future__ import annotations

import email
import gc
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select, text

from sequences_core.db.models import (
    Lead,
    Mailbox,
    SendCounter,
    SequenceEnrollment,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.rules.tokens import Tokens
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_sender
from sequences_core.schemas import LeadIn, TemplateCreate
from sequences_core.senders import Outcome, SendResult
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.cycle import run_cycle
from sequences_core.services.dispatch import DispatchContext
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.leads import upsert_leads
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template
from tests.conftest import FakeClock

ALWAYS = {
    "send_window": {"start": "00:00", "end": "23:59:59", "days": [1, 2, 3, 4, 5, 6, 7]},
    "skip_weekends": False,
    "jitter_minutes": 0,
}


def sequence(
    uow: UnitOfWork, org: uuid.UUID, steps: list[tuple[str, dict[str, Any]]], **settings: Any
) -> uuid.UUID:
    template = create_template(
        uow, org, TemplateCreate.model_validate({"name": "Outreach", "settings": settings})
    )
    for kind, config in steps:
        add_step(uow, org, template.id, kind, config)
    return template.id


def mailbox(uow: UnitOfWork, org: uuid.UUID, daily_limit: int = 1000, tz: str = "UTC") -> Mailbox:
    box = Mailbox(
        organization_id=org,
        from_email="dana@sender.example",
        from_name="Dana",
        daily_limit=daily_limit,
        timezone=tz,
    )
    uow.session.add(box)
    uow.commit()
    return box


def enrol(
    uow: UnitOfWork, org: uuid.UUID, template: uuid.UUID, leads: list[LeadIn], start: datetime
) -> list[uuid.UUID]:
    ids = list(upsert_leads(uow, org, leads).ids.values())
    bulk_enroll(uow, org, template, ids, start_at=start)
    return ids


def context(outbox: Path, clock: FakeClock, **kw: Any) -> DispatchContext:
    return DispatchContext(
        sender=OutboxSender(outbox),
        tokens=Tokens("test-secret"),
        public_url="https://track.example",
        now=clock,
        **kw,
    )


def sent_mail(outbox: Path) -> list[Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]


def email_step(subject: str | None, html: str = "<p>Hi {{ first_name }}</p>") -> tuple[str, dict]:
    return ("email", {"html": html, **({"subject": subject} if subject else {})})


def test_three_weeks_across_zones_respect_windows_holidays_and_spacing(
    uow, org_id, new_uow, tmp_path
):
    mailbox(uow, org_id)
    template = sequence(
        uow,
        org_id,
        [
            email_step("Intro"),
            ("wait", {"business_days": 2}),
            email_step(None),
            ("wait", {"days": 3}),
            email_step(None),
            ("wait", {"business_days": 1}),
            email_step("Last one"),
        ],
        send_window={"start": "09:00", "end": "17:00", "days": [1, 2, 3, 4, 5]},
        jitter_minutes=20,
    )
    people = {"Asia/Tokyo": "JP", "America/New_York": "US", "Europe/London": "GB"}
    leads = [
        LeadIn(
            email=f"{zone.split('/')[1].lower()}@lead.example",
            first_name="Pat",
            timezone=zone,
            country=country,
        )
        for zone, country in people.items()
    ]
    clock = FakeClock(datetime(2026, 12, 18, 20, 0, tzinfo=UTC))  # a Friday evening
    enrol(uow, org_id, template, leads, clock())
    ctx = context(tmp_path, clock)
    end = clock() + timedelta(weeks=3)
    while clock() < end:
        run_cycle(new_uow, ctx)
        clock.advance(timedelta(minutes=10))

    with new_uow() as check:
        executions = check.session.scalars(
            select(SequenceStepExecution).order_by(SequenceStepExecution.completed_at)
        ).all()
        lead_of = {e.id: e.lead_id for e in check.session.scalars(select(SequenceEnrollment))}
        leads_by_id = {lead.id: lead for lead in check.session.scalars(select(Lead))}
        statuses = set(check.session.scalars(select(SequenceEnrollment.status)))
    assert statuses == {"completed"}
    sends: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for execution in executions:
        assert execution.status == "sent"
        lead = leads_by_id[lead_of[execution.enrollment_id]]
        local = execution.completed_at.astimezone(ZoneInfo(lead.timezone))
        assert 9 <= local.hour < 17, (lead.email, local)
        assert local.isoweekday() <= 5, (lead.email, local)
        assert local.date() not in holidays.country_holidays(lead.country, years=local.year)
        sends[lead.id].append(local)
    for lead_id, times in sends.items():
        assert len(times) == 4
        business = holidays.country_holidays(leads_by_id[lead_id].country, years=[2026, 2027])
        later = [
            d
            for d in _days_after(times[0].date(), times[1].date())
            if d.isoweekday() <= 5 and d not in business
        ]
        assert len(later) == 2, "the second email goes 2 business days after the first"
        assert times[2] - times[1] >= timedelta(days=3) - timedelta(hours=1)
        assert times[3].date() > times[2].date()
    # Follow-ups are threaded under the first email.
    mails = sent_mail(tmp_path)
    by_to: dict[str, list[Message]] = defaultdict(list)
    for mail in sorted(mails, key=lambda m: email.utils.parsedate_to_datetime(m["Date"])):
        by_to[mail["To"]].append(mail)
    for thread in by_to.values():
        first = thread[0]
        assert first["Subject"] == "Intro"
        assert thread[1]["Subject"] == "Re: Intro"
        assert thread[1]["In-Reply-To"] == first["Message-ID"] == thread[2]["References"]


def _days_after(start, end):
    """The days in (start, end]."""
    day = start + timedelta(days=1)
    while day <= end:
        yield day
        day += timedelta(days=1)


def test_daily_limit_sends_exactly_the_limit_each_day(uow, org_id, new_uow, tmp_path):
    mailbox(uow, org_id, daily_limit=30)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    clock = FakeClock(datetime(2026, 6, 1, 0, 30, tzinfo=UTC))
    enrol(
        uow,
        org_id,
        template,
        [LeadIn(email=f"p{i}@x.example", first_name="P", timezone="UTC") for i in range(100)],
        clock(),
    )
    ctx = context(tmp_path, clock)
    for _ in range(4 * 24 * 2):
        run_cycle(new_uow, ctx)
        clock.advance(timedelta(minutes=30))
    with new_uow() as check:
        days = Counter(
            e.completed_at.date()
            for e in check.session.scalars(
                select(SequenceStepExecution).where(SequenceStepExecution.status == "sent")
            )
        )
    assert sorted(days.values(), reverse=True) == [30, 30, 30, 10]


def test_suppressed_unsubscribed_and_inactive_leads_get_nothing(uow, org_id, new_uow, tmp_path):
    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    clock = FakeClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    enrol(
        uow,
        org_id,
        template,
        [LeadIn(email=f"p{i}@x.example", first_name="P") for i in range(4)],
        clock(),
    )
    # After enrolment, before the send: an unsubscribe, a hard bounce, a lead who left.
    uow.session.add_all(
        [
            Suppression(organization_id=org_id, email="P0@X.example", reason="unsubscribe"),
            Suppression(organization_id=org_id, email="p1@x.example", reason="hard_bounce"),
        ]
    )
    uow.session.execute(
        Lead.__table__.update().where(Lead.email == "p2@x.example").values(status="left_company")
    )
    uow.commit()
    summary = run_cycle(new_uow, context(tmp_path, clock)).dispatch
    assert [m["To"] for m in sent_mail(tmp_path)] == ["P <p3@x.example>"]
    assert (summary.sent, summary.stopped) == (1, 3)
    with new_uow() as check:
        result = dict(
            check.session.execute(select(Lead.email, SequenceEnrollment.status).join(Lead)).all()
        )
    assert result == {
        "p0@x.example": "unsubscribed",
        "p1@x.example": "bounced",
        "p2@x.example": "stopped",
        "p3@x.example": "completed",
    }


def test_missing_variable_pauses_with_the_reason(uow, org_id, new_uow, tmp_path):
    mailbox(uow, org_id)
    template = sequence(
        uow, org_id, [email_step("Hi", "<p>Hi {{ first_name }}, {{ company }}</p>")], **ALWAYS
    )
    clock = FakeClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    enrol(
        uow,
        org_id,
        template,
        [
            LeadIn(email="a@x.example", first_name="A", company="Acme"),
            LeadIn(email="b@x.example", first_name="B"),
        ],
        clock(),
    )
    summary = run_cycle(new_uow, context(tmp_path, clock)).dispatch
    assert (summary.sent, summary.paused) == (1, 1)
    with new_uow() as check:
        paused = check.session.scalars(
            select(SequenceEnrollment).where(SequenceEnrollment.status == "paused")
        ).one()
        failed = check.session.scalars(
            select(SequenceStepExecution).where(SequenceStepExecution.status == "failed")
        ).one()
    assert paused.paused_reason == "missing_variable: company"
    assert failed.error == "missing_variable: company"
    assert len(sent_mail(tmp_path)) == 1


def test_out_of_window_defers_to_next_opening_with_jitter_inside(uow, org_id, new_uow, tmp_path):
    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hi")], jitter_minutes=15)
    clock = FakeClock(datetime(2026, 12, 24, 16, 30, tzinfo=UTC))  # 17:30 in Berlin
    enrol(
        uow,
        org_id,
        template,
        [
            LeadIn(email=f"b{i}@x.example", first_name="B", timezone="Europe/Berlin", country="DE")
            for i in range(20)
        ],
        clock(),
    )
    summary = run_cycle(new_uow, context(tmp_path, clock)).dispatch
    assert (summary.sent, summary.deferred_window) == (0, 20)
    with new_uow() as check:
        runs = sorted(check.session.scalars(select(SequenceEnrollment.next_run_at)))
    opening = datetime(2026, 12, 28, 8, 0, tzinfo=UTC)  # Monday 09:00 CET after Christmas
    assert all(opening <= t <= opening + timedelta(minutes=15) for t in runs)
    assert len(set(runs)) > 1  # spread, not all at 09:00:00


def test_ses_raw_mime_has_parts_pixel_signed_links_and_unsubscribe_headers(
    uow, org_id, new_uow, moto_server, monkeypatch
):
    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("SEQUENCES_SENDER", "ses")
    boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server).create_email_identity(
        EmailIdentity="sender.example"
    )
    box = mailbox(uow, org_id)
    box.from_email = "dana@sender.example"
    uow.commit()
    template = sequence(
        uow,
        org_id,
        [
            email_step(
                "Grüße, {{ first_name }}",
                '<p>Hi {{ first_name }}, see <a href="https://example.com/tour?a=1&amp;b=2">'
                'the tour</a> and <a href="https://example.com/pricing">pricing</a>.</p>',
            )
        ],
        **ALWAYS,
    )
    clock = FakeClock(datetime.now(UTC))
    enrol(uow, org_id, template, [LeadIn(email="ann@lead.example", first_name="Ann")], clock())
    settings = Settings.from_env()
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    before = len(backend.sent_messages)
    ctx = DispatchContext(
        sender=build_sender(settings),
        tokens=Tokens("k"),
        now=clock,
        public_url="https://track.example",
    )
    summary = run_cycle(new_uow, ctx).dispatch
    assert summary.sent == 1
    [message] = backend.sent_messages[before:]
    raw = email.message_from_string(message.raw_data)
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = " ".join(raw["List-Unsubscribe"].split())  # unfold
    assert unsubscribe.startswith("<https://track.example/api/sequences/unsubscribe?t=")
    assert str(email.header.make_header(email.header.decode_header(raw["Subject"]))) == "Grüße, Ann"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in raw.walk()
        if not p.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    html = parts["text/html"]
    assert html.count("https://track.example/api/sequences/track/click?") == 2
    assert "https://track.example/api/sequences/track/open?eid=" in html
    assert "https://example.com/tour" in parts["text/plain"]
    with new_uow() as check:
        execution = check.session.scalars(select(SequenceStepExecution)).one()
    assert execution.provider_message_id == message.id
    assert raw["Message-ID"] == execution.message_id_header
    token = Tokens("k").read_open(html.split("track/open?eid=")[1].split('"')[0])
    assert token == execution.id


def test_rerun_sends_nothing_new(uow, org_id, new_uow, tmp_path):
    mailbox(uow, org_id)
    template = sequence(
        uow, org_id, [email_step("Hi"), ("wait", {"days": 1}), email_step("Again")], **ALWAYS
    )
    clock = FakeClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    enrol(
        uow,
        org_id,
        template,
        [LeadIn(email=f"r{i}@x.example", first_name="R") for i in range(50)],
        clock(),
    )
    ctx = context(tmp_path, clock)
    assert run_cycle(new_uow, ctx).dispatch.sent == 50
    for _ in range(3):
        assert run_cycle(new_uow, ctx).dispatch.sent == 0
    with new_uow() as check:
        assert check.session.scalar(select(func.count()).select_from(SequenceStepExecution)) == 50


def test_permanent_ses_rejection_fails_enrollment_and_releases_the_slot(
    uow, org_id, new_uow, moto_server, monkeypatch
):

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("SEQUENCES_SENDER", "ses")
    box = mailbox(uow, org_id, daily_limit=5)
    box.from_email = "dana@never-verified.example"
    uow.commit()
    template = sequence(uow, org_id, [email_step("Hi")], **ALWAYS)
    clock = FakeClock(datetime.now(UTC))
    enrol(uow, org_id, template, [LeadIn(email="ann@lead.example", first_name="Ann")], clock())
    ctx = DispatchContext(
        sender=build_sender(Settings.from_env()),
        tokens=Tokens("k"),
        now=clock,
        public_url="https://track.example",
    )
    summary = run_cycle(new_uow, ctx).dispatch
    assert (summary.sent, summary.failed) == (0, 1)
    with new_uow() as check:
        enrollment = check.session.scalars(select(SequenceEnrollment)).one()
        assert enrollment.status == "failed" and "MessageRejected" in enrollment.stopped_reason
        assert check.session.scalar(select(SendCounter.sent)) == 0  # the slot came back


def test_stale_ses_send_is_marked_unknown_and_never_resent(
    uow, org_id, new_uow, moto_server, monkeypatch
):
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("SEQUENCES_SENDER", "ses")
    boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server).create_email_identity(
        EmailIdentity="sender.example"
    )
    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hi")], **ALWAYS)
    clock = FakeClock(datetime.now(UTC))
    enrol(uow, org_id, template, [LeadIn(email="ann@lead.example", first_name="A")], clock())
    enrollment = uow.session.scalars(select(SequenceEnrollment)).one()
    # A dispatcher committed the execution, then died before recording the outcome.
    uow.session.add(
        SequenceStepExecution(
            organization_id=org_id,
            enrollment_id=enrollment.id,
            step_position=0,
            step_type="email",
            status="sending",
            idempotency_key=f"{enrollment.id}:0:1",
            lease_expires_at=clock() - timedelta(seconds=1),
        )
    )
    enrollment.next_run_at = clock() - timedelta(seconds=1)
    uow.commit()
    ctx = DispatchContext(
        sender=build_sender(Settings.from_env()),
        tokens=Tokens("k"),
        now=clock,
        public_url="https://track.example",
    )
    summary = run_cycle(new_uow, ctx).dispatch
    assert (summary.reconciled, summary.sent, summary.paused) == (1, 0, 1)
    with new_uow() as check:
        execution = check.session.scalars(select(SequenceStepExecution)).one()
        state = check.session.scalars(select(SequenceEnrollment)).one()
    assert execution.status == "unknown" and "not resent" in execution.error
    assert (state.status, state.paused_reason) == ("paused", "delivery_unknown")
    clock.advance(timedelta(days=1))
    assert run_cycle(new_uow, ctx).dispatch.sent == 0


class _FlakySender(OutboxSender):
    """A third of first attempts are transient failures (their slots are released while, in
    the other thread, the next batch is deciding); every batch takes a moment to send."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.failed_once: set[str] = set()

    def send_batch(self, emails):
        time.sleep(0.02)
        fail = [e for i, e in enumerate(emails) if not i % 3 and e.to_email not in self.failed_once]
        self.failed_once |= {e.to_email for e in fail}
        sent = super().send_batch([e for e in emails if e not in fail])
        return sent + [SendResult(e.execution_id, Outcome.RETRY, error="throttled") for e in fail]


def test_overlapping_batches_keep_the_limit_and_send_each_email_once(
    uow, org_id, new_uow, tmp_path
):
    """Batches of 7 with one in flight while the next is decided: a daily limit of 40 is
    never passed, released slots are reused, and nobody gets two emails."""
    mailbox(uow, org_id, daily_limit=40)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    clock = FakeClock(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    enrol(
        uow,
        org_id,
        template,
        [LeadIn(email=f"p{i}@x.example", first_name="P") for i in range(90)],
        clock(),
    )
    ctx = context(tmp_path, clock, batch_size=7)
    ctx = replace(ctx, sender=_FlakySender(tmp_path))
    summary = run_cycle(new_uow, ctx).dispatch
    assert summary.retry > 0 and summary.batches > 2 and summary.deferred_limit > 0

    def counted() -> int:
        with new_uow() as check:
            return int(
                check.session.scalar(
                    select(func.sum(SendCounter.sent)).where(SendCounter.scope == "mailbox")
                )
            )

    recipients = [m["To"] for m in sent_mail(tmp_path)]
    assert len(recipients) == len(set(recipients)) == summary.sent == counted() <= 40
    # The failed ones retry after their backoff and take the slots they gave back.
    for _ in range(6):
        clock.advance(timedelta(minutes=30))
        run_cycle(new_uow, ctx)
    recipients = [m["To"] for m in sent_mail(tmp_path)]
    assert len(recipients) == len(set(recipients)) == counted() == 40


def test_a_send_slower_than_the_lease_does_not_deadlock_the_cycle(
    uow, org_id, new_uow, tmp_path, monkeypatch
):
    """The batch in flight comes due again (its lease ran out while it was sent) just as the
    next claim is made: that claim must not take its rows, or the claiming thread holds the
    locks the recording thread waits for, while it waits for the recording thread."""
    import threading

    from sequences_core.services.dispatch import loop

    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    clock = FakeClock(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    leads = [LeadIn(email=f"s{i}@x.example", first_name="S") for i in range(5)]
    enrol(uow, org_id, template, leads, clock())
    ctx = context(tmp_path, clock, batch_size=5)  # one batch: the next claim finds only its rows
    late = threading.Event()
    outbox = ctx.sender

    class SlowSender:
        name = "slow"

        def send_batch(self, emails):
            if not late.is_set():
                clock.advance(ctx.lease + timedelta(minutes=1))
                late.set()
                time.sleep(1)  # the next claim is made while this batch is still in flight
            return outbox.send_batch(emails)

        def lookup(self, execution_id):
            return outbox.lookup(execution_id)

    ctx = replace(ctx, sender=SlowSender())
    decide, calls = loop.decide_batch, []

    def decide_after_the_lease(ctx_, factory, scope, now, *rest):
        calls.append(now)
        if len(calls) == 2:  # the claim made while the first batch is sent
            late.wait(10)
            now = ctx_.now()
        return decide(ctx_, factory, scope, now, *rest)

    monkeypatch.setattr(loop, "decide_batch", decide_after_the_lease)
    done: list[int] = []
    cycle = threading.Thread(
        target=lambda: done.append(run_cycle(new_uow, ctx).dispatch.sent), daemon=True
    )
    cycle.start()
    cycle.join(30)
    if cycle.is_alive():  # deadlocked: free the connections so the teardown can run
        uow.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert done == [5]
    recipients = [m["To"] for m in sent_mail(tmp_path)]
    assert sorted(recipients) == sorted(f"S <{lead.email}>" for lead in leads)


def test_the_cycle_keeps_the_collector_off_its_path_and_puts_it_back(
    uow, org_id, new_uow, tmp_path
):
    """Full collections over the whole heap every few batches cost ~35 µs an email."""
    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    clock = FakeClock(datetime(2026, 6, 1, 12, tzinfo=UTC))
    enrol(uow, org_id, template, [LeadIn(email="g@x.example", first_name="G")], clock())
    ctx = context(tmp_path, clock)
    outbox, during = ctx.sender, []

    class Watching:
        name = "watching"

        def send_batch(self, emails):
            during.append((gc.get_threshold()[0], gc.get_freeze_count()))
            return outbox.send_batch(emails)

        def lookup(self, execution_id):
            return outbox.lookup(execution_id)

    ctx = replace(ctx, sender=Watching())
    before = (gc.get_threshold(), gc.get_freeze_count())
    assert run_cycle(new_uow, ctx).dispatch.sent == 1
    [(young, frozen)] = during
    assert young >= 20_000 and frozen > before[1]
    assert (gc.get_threshold(), gc.get_freeze_count()) == before

    gc.freeze()  # as gunicorn's workers do after their imports
    try:
        frozen = gc.get_freeze_count()
        enrol(uow, org_id, template, [LeadIn(email="h@x.example", first_name="H")], clock())
        assert run_cycle(new_uow, ctx).dispatch.sent == 1
        assert during[-1][0] >= 20_000
        # not thawed (0), not frozen further (more); frozen objects may still be freed
        assert 0 < gc.get_freeze_count() <= frozen and gc.get_threshold() == before[0]
    finally:
        gc.unfreeze()
