"""One malformed message on a feed is dead-lettered once; the rest of the feed applies, and the
next cycle neither fails on it nor applies anything twice (S3 and SQS on moto's server; IMAP
in tests/test_imap.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
from sqlalchemy import func, select

from sequences_core.db.models import (
    FeedbackDeadLetter,
    InboundObject,
    SequenceEmailEvent,
    SequenceEnrollment,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.feeds.base import FeedMessage
from sequences_core.schemas import LeadIn
from sequences_core.services.feed_apply import SES_EVENTS, apply_feed
from sequences_core.services.ingest import Feeds, run_feedback_cycle
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence
from tests.test_ses_feedback import NOW, _bounce, _sent

# classify() cannot read an unterminated Message-ID (IndexError in the header parser).
MALFORMED = b"From: x@lead.example\r\nTo: dana@sender.example\r\nMessage-ID: <\r\n\r\nhi\r\n"


def reply_from(name: str) -> bytes:
    """Matched by sender address and the mailbox it was sent to."""
    return (
        f"From: {name} <{name}@lead.example>\r\nTo: dana@sender.example\r\n"
        f"Subject: your email\r\nMessage-ID: <{name}-reply@lead.example>\r\n"
        f"Date: Mon, 01 Mar 2027 12:00:00 +0000\r\n\r\nHappy to talk, call me.\r\n"
    ).encode()


def enrol_repliers(uow: UnitOfWork, org_id, names: list[str]) -> None:
    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hello")], **ALWAYS)
    leads = [LeadIn(email=f"{n}@lead.example", first_name=n) for n in names]
    enrol(uow, org_id, template, leads, datetime(2027, 3, 1, 12, tzinfo=UTC))


def dead_letters(new_uow) -> list[tuple[str, str | None, str]]:
    with new_uow() as read:
        rows = read.session.scalars(select(FeedbackDeadLetter)).all()
        return [(d.source, d.reference, d.reason) for d in rows]


def paused(new_uow) -> int:
    with new_uow() as read:
        return read.session.scalar(
            select(func.count()).where(SequenceEnrollment.paused_reason == "replied")
        )


def test_a_malformed_object_in_s3_is_dead_lettered_once_and_the_rest_apply(
    uow, org_id, new_uow, moto_server
):
    enrol_repliers(uow, org_id, ["ann", "bob"])
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_server)
    bucket = f"feeds-{org_id.hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    # A NUL too, which PostgreSQL text cannot hold: the dead letter must still be stored.
    broken = MALFORMED.replace(b"hi", b"h\x00i")
    objects = {"a.eml": reply_from("ann"), "b.eml": broken, "c.eml": reply_from("bob")}
    for name, raw in objects.items():
        s3.put_object(Bucket=bucket, Key=f"inbound/{name}", Body=raw)
    feeds, clock = Feeds(s3=s3, bucket=bucket), FakeClock(NOW)

    first = run_feedback_cycle(new_uow, feeds, clock)
    again = run_feedback_cycle(new_uow, feeds, clock)

    assert (first.replies, first.dead_letters) == (2, 1)
    assert not any(again.as_dict().values())  # nothing new, nothing failed
    [(source, reference, reason)] = dead_letters(new_uow)
    assert (source, reference) == ("s3", "inbound/b.eml") and reason.startswith("IndexError")
    assert paused(new_uow) == 2
    with new_uow() as read:
        assert len(read.session.scalars(select(InboundObject.key)).all()) == 3


def test_a_malformed_sqs_message_is_dead_lettered_once_and_the_rest_apply(
    uow, org_id, new_uow, moto_server
):
    sent = _sent(uow, org_id, ["ann", "bob"])
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    queue = sqs.create_queue(QueueName=f"feeds-{org_id.hex[:12]}")["QueueUrl"]
    bodies = [
        json.dumps(_bounce(sent["ann"][0], "ann", "fb-ann", kind="Permanent").raw),
        '{"eventType": "Bounce"}',  # no mail.messageId: not an SES event
        json.dumps(_bounce(sent["bob"][0], "bob", "fb-bob", kind="Permanent").raw),
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    feeds, clock = Feeds(sqs=sqs, queue_url=queue), FakeClock(NOW)

    first = run_feedback_cycle(new_uow, feeds, clock)
    again = run_feedback_cycle(new_uow, feeds, clock)

    assert (first.hard_bounces, first.dead_letters) == (2, 1)
    assert not any(again.as_dict().values())
    [(source, _, reason)] = dead_letters(new_uow)
    assert source == "sqs" and "not an SES event" in reason
    with new_uow() as read:
        assert len(read.session.scalars(select(Suppression)).all()) == 2
        assert len(read.session.scalars(select(SequenceEmailEvent)).all()) == 2


class LostAckFeed:
    """A queue whose first acknowledgement is lost (a failed SQS delete, a cycle that died
    between commit and delete): everything comes back once."""

    source = "sqs"
    keeps_messages = False

    def __init__(self, bodies: list[bytes]) -> None:
        self.pending = [
            FeedMessage(f"m-{i}", body, f"sqs://m-{i}") for i, body in enumerate(bodies)
        ]
        self.acks = 0

    def messages(self, seen):
        yield from list(self.pending)

    def ack(self, messages) -> None:
        self.acks += 1
        if self.acks > 1:
            self.pending = [m for m in self.pending if m not in messages]


def test_a_message_whose_ack_was_lost_is_dead_lettered_once(new_uow, clean_db):
    feed = LostAckFeed([b'{"eventType": "Bounce"}', b"not json"])
    clock = FakeClock(NOW)

    first = apply_feed(new_uow, feed, SES_EVENTS, clock)
    again = apply_feed(new_uow, feed, SES_EVENTS, clock)

    assert (first.dead_letters, again.dead_letters) == (2, 0)
    assert sorted(ref for _, ref, _ in dead_letters(new_uow)) == ["m-0", "m-1"]
    assert feed.pending == []
