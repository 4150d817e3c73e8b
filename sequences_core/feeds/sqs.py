"""Drain SES events from SQS: batch receive, apply in one transaction, delete only after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from sequences_core.db.models import FeedbackDeadLetter, table_of
from sequences_core.db.uow import UnitOfWork
from sequences_core.feedback.ses_events import MalformedEvent, SesEvent, parse_ses_event
from sequences_core.services.feedback import FeedbackSummary
from sequences_core.services.ses_feedback import apply_ses_events

RECEIVES_PER_COMMIT = 20  # 200 messages per transaction: batched writes, bounded redelivery


def drain_ses_queue(
    client: Any,
    queue_url: str,
    uow_factory: Callable[[], UnitOfWork],
    now: Callable[[], datetime],
    *,
    wait_seconds: int = 1,
    max_messages: int = 100_000,
) -> FeedbackSummary:
    summary = FeedbackSummary()
    handled = 0
    while handled < max_messages:
        messages: list[dict[str, Any]] = []
        for _ in range(RECEIVES_PER_COMMIT):
            received = client.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
            ).get("Messages", [])
            messages += received
            if len(received) < 10:
                break
        if not messages:
            break
        events: list[SesEvent] = []
        dead: list[dict[str, Any]] = []
        for message in messages:
            try:
                events.append(parse_ses_event(message.get("Body", "")))
            except MalformedEvent as err:
                dead.append(
                    {
                        "organization_id": None,
                        "source": "sqs",
                        "reference": message.get("MessageId"),
                        "reason": str(err),
                        "body": str(message.get("Body", ""))[:1_000_000],
                    }
                )
        with uow_factory() as uow:
            summary.add(apply_ses_events(uow, events, now()))
            if dead:
                uow.session.execute(insert(table_of(FeedbackDeadLetter)), dead)
            uow.commit()
        summary.dead_letters += len(dead)
        for start in range(0, len(messages), 10):  # only now is it safe to forget them
            client.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages[start : start + 10])
                ],
            )
        handled += len(messages)
    return summary
