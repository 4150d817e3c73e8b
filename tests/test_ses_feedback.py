"""SES events applied in batches: every rule holds however the events are grouped."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from sequences_core.db.models import (
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.feedback.ses_events import SesEvent, parse_ses_event
from sequences_core.schemas import LeadIn
from sequences_core.services.ses_feedback import apply_ses_events
from tests.test_dispatch import ALWAYS, email_step, enrol, sequence

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _sent(uow: UnitOfWork, org: uuid.UUID, names: list[str], **status) -> dict[str, tuple]:
    """Enrol one lead per name with the first email sent (current step 2, after the wait)."""
    template = sequence(
        uow, org, [email_step("Hi"), ("wait", {"days": 1}), email_step("Again")], **ALWAYS
    )
    lead_ids = enrol(uow, org, template, [LeadIn(email=f"{n}@lead.example") for n in names], NOW)
    out = {}
    for name, lead_id in zip(names, lead_ids, strict=True):
        enrollment = uow.session.scalars(
            select(SequenceEnrollment).where(
                SequenceEnrollment.organization_id == org, SequenceEnrollment.lead_id == lead_id
            )
        ).one()
        enrollment.current_step = 2
        execution = SequenceStepExecution(
            organization_id=org,
            enrollment_id=enrollment.id,
            step_position=0,
            step_type="email",
            status=status.get(name, "sent"),
            idempotency_key=f"{enrollment.id}:0:1",
            provider_message_id=f"ses-{name}-{org.hex[:6]}",
            completed_at=NOW,
        )
        uow.session.add(execution)
        uow.session.flush()
        out[name] = (execution.id, enrollment.id, lead_id)
    uow.commit()
    return out


def _event(kind: str, execution: uuid.UUID, message: str, key: str, **detail) -> SesEvent:
    body = {
        "eventType": kind,
        "mail": {
            "timestamp": NOW.isoformat(),
            "messageId": message,
            "tags": {"execution_id": [str(execution)]},
        },
        kind.lower() if kind != "Rendering Failure" else "failure": {
            "timestamp": NOW.isoformat(),
            "feedbackId": key,
            **detail,
        },
    }
    return parse_ses_event(json.dumps(body))


def _bounce(execution: uuid.UUID, name: str, key: str, kind: str = "Transient") -> SesEvent:
    return _event(
        "Bounce",
        execution,
        f"ses-{name}",
        key,
        bounceType=kind,
        bounceSubType="MailboxFull" if kind == "Transient" else "General",
        bouncedRecipients=[{"emailAddress": f"{name}@lead.example"}],
    )


def _state(uow: UnitOfWork, enrollment: uuid.UUID) -> tuple:
    uow.session.expire_all()
    e = uow.session.get(SequenceEnrollment, enrollment)
    assert e is not None
    return e.status, e.current_step, e.paused_reason or e.stopped_reason


@pytest.mark.parametrize("batches", [1, 3], ids=["one batch", "one event per batch"])
def test_third_soft_bounce_in_a_week_is_hard_and_earlier_ones_retry(uow, org_id, batches):
    sent = _sent(uow, org_id, ["soft", "calm"])
    execution, enrollment, _ = sent["soft"]
    events = [_bounce(execution, "soft", f"fb-{i}") for i in range(3)]
    first = apply_ses_events(uow, events[:1], NOW)
    uow.commit()
    assert (first.soft_bounces, first.hard_bounces) == (1, 0)
    # The step goes again: the enrollment is back on step 0, due now.
    assert _state(uow, enrollment) == ("active", 0, None)
    rest = events[1:]
    groups = [rest] if batches == 1 else [[e] for e in rest]
    hard = 0
    for group in groups:
        hard += apply_ses_events(uow, group, NOW).hard_bounces
        uow.commit()
    assert hard == 1
    assert _state(uow, enrollment) == ("bounced", 0, "hard bounce: 3 soft bounces in 7 days")
    suppressed = uow.session.scalars(select(Suppression.email)).all()
    assert suppressed == ["soft@lead.example"]
    assert _state(uow, sent["calm"][1]) == ("active", 2, None)


def test_soft_bounces_older_than_a_week_do_not_count(uow, org_id):
    sent = _sent(uow, org_id, ["soft"])
    execution, enrollment, _ = sent["soft"]
    old = [_bounce(execution, "soft", f"old-{i}") for i in range(2)]
    apply_ses_events(uow, old, NOW - timedelta(days=8))
    uow.session.execute(
        SequenceEmailEvent.__table__.update().values(occurred_at=NOW - timedelta(days=8))
    )
    uow.commit()
    assert apply_ses_events(uow, [_bounce(execution, "soft", "new")], NOW).hard_bounces == 0
    uow.commit()
    assert _state(uow, enrollment)[0] == "active"


def test_a_soft_bounce_after_a_later_step_went_out_does_not_rewind(uow, org_id):
    sent = _sent(uow, org_id, ["soft"])
    execution, enrollment, _ = sent["soft"]
    uow.session.add(
        SequenceStepExecution(
            organization_id=org_id,
            enrollment_id=enrollment,
            step_position=2,
            step_type="email",
            status="sent",
            idempotency_key=f"{enrollment}:2:1",
        )
    )
    uow.commit()
    apply_ses_events(uow, [_bounce(execution, "soft", "fb")], NOW)
    uow.commit()
    assert _state(uow, enrollment) == ("active", 2, None)
    assert uow.session.get(SequenceStepExecution, execution).status == "failed"


def test_bounce_and_complaint_in_one_batch_end_bounced_and_suppressed_once(uow, org_id):
    sent = _sent(uow, org_id, ["both", "plain"])
    execution, enrollment, _ = sent["both"]
    complaint = _event(
        "Complaint",
        execution,
        "ses-both",
        "c-1",
        complainedRecipients=[{"emailAddress": "both@lead.example"}],
    )
    hard = _bounce(execution, "both", "h-1", kind="Permanent")
    summary = apply_ses_events(uow, [complaint, hard, hard], NOW)
    uow.commit()
    assert (summary.events, summary.duplicates, summary.hard_bounces, summary.complaints) == (
        2,
        1,
        1,
        1,
    )
    assert _state(uow, enrollment)[0] == "bounced"
    assert [(s.email, s.reason) for s in uow.session.scalars(select(Suppression))] == [
        ("both@lead.example", "hard_bounce")
    ]
    again = apply_ses_events(uow, [complaint, hard], NOW)
    assert (again.events, again.duplicates) == (0, 2)
    assert _state(uow, sent["plain"][1]) == ("active", 2, None)


def test_reject_pauses_and_a_late_send_event_settles_an_unknown_send(uow, org_id):
    sent = _sent(uow, org_id, ["rejected", "unsure"], unsure="unknown")
    unsure_exec, unsure_enrollment, _ = sent["unsure"]
    row = uow.session.get(SequenceEnrollment, unsure_enrollment)
    row.status, row.paused_reason, row.next_run_at = "paused", "delivery_unknown", None
    uow.commit()
    reject = _event("Reject", sent["rejected"][0], "ses-rejected", "r", reason="Bad content")
    settle = _event("Send", unsure_exec, "ses-new-id", "s")
    apply_ses_events(uow, [reject, settle], NOW)
    uow.commit()
    assert _state(uow, sent["rejected"][1]) == ("paused", 2, "reject: Bad content")
    assert uow.session.get(SequenceStepExecution, sent["rejected"][0]).status == "failed"
    settled = uow.session.get(SequenceStepExecution, unsure_exec)
    assert (settled.status, settled.provider_message_id) == ("sent", "ses-new-id")
    assert _state(uow, unsure_enrollment) == ("active", 2, None)


def test_events_match_by_message_id_and_stay_in_their_organization(uow, org_id, other_org_id):
    ours = _sent(uow, org_id, ["shared"])
    theirs = _sent(uow, other_org_id, ["shared"])
    # No execution tag: matched by the SES message id alone.
    body = {
        "eventType": "Bounce",
        "mail": {"timestamp": NOW.isoformat(), "messageId": f"ses-shared-{org_id.hex[:6]}"},
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "feedbackId": "x",
            "bouncedRecipients": [{"emailAddress": "shared@lead.example"}],
        },
    }
    summary = apply_ses_events(uow, [parse_ses_event(json.dumps(body))], NOW)
    uow.commit()
    assert (summary.events, summary.unmatched) == (1, 0)
    assert _state(uow, ours["shared"][1])[0] == "bounced"
    assert _state(uow, theirs["shared"][1])[0] == "active"
    assert uow.session.scalars(select(Suppression.organization_id)).all() == [org_id]
    event = uow.session.scalars(select(SequenceEmailEvent)).one()
    assert (event.organization_id, event.lead_id, event.classification) == (
        org_id,
        ours["shared"][2],
        "bounce_hard",
    )


def test_a_nul_in_provider_text_is_dropped_not_a_failed_batch(uow, org_id):
    """PostgreSQL text and jsonb cannot hold NUL; one odd diagnostic must not block the queue."""
    sent = _sent(uow, org_id, ["odd"])
    bounce = _event(
        "Bounce",
        sent["odd"][0],
        "ses-odd",
        "nul",
        bounceType="Permanent",
        bounceSubType="General",
        bouncedRecipients=[
            {"emailAddress": "odd@lead.example", "diagnosticCode": "smtp; 550\x00 no \\u0000 such"}
        ],
    )
    assert apply_ses_events(uow, [bounce], NOW).events == 1
    uow.commit()
    event = uow.session.scalars(select(SequenceEmailEvent)).one()
    assert event.reason == "smtp; 550 no \\u0000 such"
    assert event.raw["bounce"]["bouncedRecipients"][0]["diagnosticCode"] == event.reason


def test_the_queue_keeps_messages_until_their_batch_is_committed(uow, org_id, new_uow, moto_server):
    """Delete only after commit: a batch whose transaction fails stays on SQS, whole, and the
    next drain applies it exactly once."""
    import boto3

    from sequences_core.feeds.sqs import SqsFeed
    from sequences_core.services.feed_apply import SES_EVENTS, apply_feed

    sent = _sent(uow, org_id, [f"q{i}" for i in range(12)])
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    queue = sqs.create_queue(
        QueueName=f"commit-{org_id.hex[:8]}", Attributes={"VisibilityTimeout": "0"}
    )["QueueUrl"]
    for name, (execution, _, _) in sent.items():
        bounce = _bounce(execution, name, f"fb-{name}", kind="Permanent")
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(bounce.raw))

    class FailingCommit(UnitOfWork):
        def commit(self) -> None:
            raise RuntimeError("connection lost at commit")

    engine, feed = uow.engine, SqsFeed(sqs, queue, wait_seconds=0)
    with pytest.raises(RuntimeError, match="at commit"):
        apply_feed(lambda: FailingCommit(engine), feed, SES_EVENTS, lambda: NOW)
    with new_uow() as check:
        assert check.session.scalars(select(Suppression)).all() == []
    # (With no visibility timeout one drain can receive a message twice: the dedupe key
    # makes the second a duplicate.)
    summary = apply_feed(new_uow, feed, SES_EVENTS, lambda: NOW)
    assert (summary.events, summary.hard_bounces) == (12, 12)
    again = apply_feed(new_uow, feed, SES_EVENTS, lambda: NOW)
    assert (again.events, again.duplicates) == (0, 0)  # deleted once committed
    with new_uow() as check:
        assert len(check.session.scalars(select(Suppression)).all()) == 12


def test_ses_opens_and_clicks_follow_the_pixels_rules(uow, org_id):
    """SES's own Open/Click events (its tracking on): address truncated, also in the stored
    event, machines flagged by agent and by arriving within seconds of delivery."""
    sent = _sent(uow, org_id, ["ann", "bob", "cat"])
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
    later = (NOW + timedelta(hours=2)).isoformat()
    events = [
        _event("Open", sent["ann"][0], "ses-ann", "o1", ipAddress="203.0.113.77",
               userAgent=iphone, timestamp=later),
        _event("Click", sent["bob"][0], "ses-bob", "c1", ipAddress="203.0.113.78",
               userAgent="python-requests/2.31", link="https://x.example/a", timestamp=later),
        _event("Open", sent["cat"][0], "ses-cat", "o2", ipAddress="203.0.113.79",
               userAgent=iphone, timestamp=(NOW + timedelta(seconds=2)).isoformat()),
    ]  # fmt: skip
    apply_ses_events(uow, events, NOW + timedelta(hours=3))
    stored = {
        e.execution_id: e
        for e in uow.session.scalars(
            select(SequenceEmailEvent).where(SequenceEmailEvent.type.in_(["open", "click"]))
        )
    }
    ann, bob, cat = (stored[sent[name][0]] for name in ("ann", "bob", "cat"))
    assert (ann.ip, ann.bot, ann.device) == ("203.0.113.0", False, "mobile")
    assert "203.0.113.77" not in json.dumps(ann.raw)
    assert bob.bot and bob.device == "bot" and bob.reason and bob.url == "https://x.example/a"
    assert cat.bot and cat.reason == "within_seconds_of_delivery"
    uow.session.execute(
        text("UPDATE organizations SET settings = '{\"store_full_ip\": true}' WHERE id = :id"),
        {"id": org_id},
    )
    uow.commit()
    again = _event("Open", sent["ann"][0], "ses-ann", "o3", ipAddress="203.0.113.77",
                   userAgent=iphone, timestamp=later)  # fmt: skip
    apply_ses_events(uow, [again], NOW + timedelta(hours=3))
    kept = uow.session.scalars(
        select(SequenceEmailEvent).where(SequenceEmailEvent.dedupe_key == again.dedupe_key)
    ).one()
    assert kept.ip == "203.0.113.77" and kept.raw["open"]["ipAddress"] == "203.0.113.77"
