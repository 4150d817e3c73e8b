"""Feedback end to end on moto's server: send through SES, put SES notifications on SQS and
replies in S3 (moto publishes no events itself, so the test publishes SES-format JSON for the
messages it really sent), ingest, and see what the next ticks do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from sqlalchemy import select

from sequences_core.db.models import (
    FeedbackDeadLetter,
    Lead,
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.rules.tokens import Tokens
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_feeds, build_sender
from sequences_core.schemas import LeadIn
from sequences_core.services.cycle import run_cycle
from sequences_core.services.dispatch import DispatchContext
from sequences_core.services.ingest import run_feedback_cycle
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence

PEOPLE = ["bounce", "complaint", "reply", "unsub", "away", "normal", "soft"]


def ses_event(kind: str, execution: SequenceStepExecution, email: str, when: datetime, **detail):
    body = {
        "eventType": kind,
        "mail": {
            "timestamp": when.isoformat(),
            "messageId": execution.provider_message_id,
            "destination": [email],
            "tags": {"execution_id": [execution.id.hex], "org_id": [execution.organization_id.hex]},
        },
        kind.lower(): {"timestamp": when.isoformat(), **detail},
    }
    return json.dumps(body)


def sns(message: str) -> str:
    return json.dumps({"Type": "Notification", "MessageId": "sns-1", "Message": message})


def reply(
    to_message_id: str, sender: str, subject: str, body: str, when: datetime, headers: str = ""
) -> bytes:
    return (
        f"From: {sender}\r\nTo: dana@sender.example\r\nSubject: {subject}\r\n"
        f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <reply-{sender}>\r\nIn-Reply-To: {to_message_id}\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_feedback_stops_the_right_leads_and_ooo_resumes(
    uow, org_id, new_uow, moto_server, monkeypatch
):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("SEQUENCES_SENDER", "ses")
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_server)
    queue_url = sqs.create_queue(QueueName=f"ses-events-{org_id.hex[:8]}")["QueueUrl"]
    bucket = f"inbound-{org_id.hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    monkeypatch.setenv("SEQUENCES_SES_EVENTS_QUEUE_URL", queue_url)
    monkeypatch.setenv("SEQUENCES_INBOUND_BUCKET", bucket)
    boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto_server).create_email_identity(
        EmailIdentity="sender.example"
    )
    settings = Settings.from_env()

    mailbox(uow, org_id)
    template = sequence(
        uow,
        org_id,
        [email_step("Hello"), ("wait", {"days": 1}), email_step("Following up")],
        **ALWAYS,
    )
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    enrol(
        uow,
        org_id,
        template,
        [LeadIn(email=f"{p}@lead.example", first_name=p.title()) for p in PEOPLE],
        clock(),
    )
    ctx = DispatchContext(
        sender=build_sender(settings),
        tokens=Tokens("k"),
        now=clock,
        public_url="https://track.example",
    )
    assert run_cycle(new_uow, ctx).dispatch.sent == len(PEOPLE)

    with new_uow() as read:
        sent = {
            lead.email.split("@")[0]: execution
            for execution, lead in read.session.execute(
                select(SequenceStepExecution, Lead)
                .join(
                    SequenceEnrollment, SequenceEnrollment.id == SequenceStepExecution.enrollment_id
                )
                .join(Lead, Lead.id == SequenceEnrollment.lead_id)
            )
        }
    now = clock()
    messages = [
        sns(
            ses_event(
                "Bounce",
                sent["bounce"],
                "bounce@lead.example",
                now,
                bounceType="Permanent",
                bounceSubType="General",
                feedbackId="fb-1",
                bouncedRecipients=[
                    {
                        "emailAddress": "bounce@lead.example",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
            )
        ),
        ses_event(
            "Complaint",
            sent["complaint"],
            "complaint@lead.example",
            now,
            feedbackId="fb-2",
            complainedRecipients=[{"emailAddress": "complaint@lead.example"}],
        ),
        ses_event(
            "Delivery",
            sent["normal"],
            "normal@lead.example",
            now,
            recipients=["normal@lead.example"],
        ),
        sns(
            ses_event(
                "Bounce",
                sent["soft"],
                "soft@lead.example",
                now,
                bounceType="Transient",
                bounceSubType="MailboxFull",
                feedbackId="fb-3",
                bouncedRecipients=[{"emailAddress": "soft@lead.example"}],
            )
        ),
        "this is not json {",
    ]
    for body in messages:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    back = (now + timedelta(days=5)).date()
    replies = {
        "reply.eml": reply(
            sent["reply"].message_id_header,
            "reply@lead.example",
            "Re: Hello",
            "Sounds good, call me Tuesday.",
            now,
        ),
        "unsub.eml": reply(
            sent["unsub"].message_id_header,
            "unsub@lead.example",
            "Re: Hello",
            "Please take me off your list.\n\nOn Mon Dana wrote:\n> hi",
            now,
        ),
        "away.eml": reply(
            sent["away"].message_id_header,
            "away@lead.example",
            "Automatic reply: Hello",
            f"I am out of the office and back on {back.day} {back:%B %Y}.",
            now,
            headers="Auto-Submitted: auto-replied\r\n",
        ),
    }
    for name, raw in replies.items():
        s3.put_object(Bucket=bucket, Key=f"inbound/{name}", Body=raw)

    feeds = build_feeds(settings)
    summary = run_feedback_cycle(new_uow, feeds, clock)
    assert (
        summary.hard_bounces,
        summary.complaints,
        summary.replies,
        summary.unsubscribes,
        summary.out_of_office,
        summary.soft_bounces,
        summary.dead_letters,
    ) == (1, 1, 1, 1, 1, 1, 1)
    again = run_feedback_cycle(new_uow, feeds, clock)  # nothing new arrives: nothing changes
    assert again.events == 0
    # Re-delivered copies of the same SES events change nothing either.
    for body in messages[:2]:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    assert run_feedback_cycle(new_uow, feeds, clock).duplicates == 2

    with new_uow() as read:
        status = {
            lead.email.split("@")[0]: (e.status, e.paused_reason or e.stopped_reason)
            for e, lead in read.session.execute(select(SequenceEnrollment, Lead).join(Lead))
        }
        suppressed = {s.email: s.reason for s in read.session.scalars(select(Suppression))}
        dead = read.session.scalars(select(FeedbackDeadLetter)).all()
        kinds = sorted(
            e.classification
            for e in read.session.scalars(
                select(SequenceEmailEvent).where(SequenceEmailEvent.classification.is_not(None))
            )
        )
    assert status["bounce"][0] == "bounced"
    assert status["complaint"][0] == "unsubscribed"
    assert status["reply"] == ("paused", "replied")
    assert status["unsub"] == ("unsubscribed", "unsubscribe_reply")
    assert status["away"][0] == status["normal"][0] == "active"
    assert suppressed == {
        "bounce@lead.example": "hard_bounce",
        "complaint@lead.example": "complaint",
        "unsub@lead.example": "unsubscribe_reply",
    }
    assert len(dead) == 1 and dead[0].body == "this is not json {"
    assert kinds == [
        "bounce_hard",
        "bounce_soft",
        "human_reply",
        "out_of_office",
        "unsubscribe_request",
    ]

    clock.advance(timedelta(days=1, hours=1))
    second = run_cycle(new_uow, ctx).dispatch
    with new_uow() as read:
        latest = {
            lead.email.split("@")[0]: e.current_step
            for e, lead in read.session.execute(select(SequenceEnrollment, Lead).join(Lead))
        }
    # The normal lead gets step 2, the soft-bounced lead gets step 1 again; nobody else.
    assert second.sent == 2
    assert latest["normal"] == 3 and latest["soft"] == 2 and latest["away"] == 2

    clock.current = datetime.combine(back + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    clock.advance(timedelta(minutes=5))
    third = run_cycle(new_uow, ctx).dispatch
    assert third.sent >= 1
    with new_uow() as read:
        away = read.session.scalars(
            select(SequenceEnrollment).join(Lead).where(Lead.email == "away@lead.example")
        ).one()
    assert away.current_step == 3  # resumed after the return date
