"""SES events from SQS: received ten at a time, deleted only once the service has committed."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from sequences_core.feeds.base import FeedMessage, Seen

RECEIVES_PER_COMMIT = 20  # 200 messages per transaction: batched writes, bounded redelivery
MESSAGES_PER_COMMIT = RECEIVES_PER_COMMIT * 10


@dataclass(frozen=True)
class SqsFeed:
    client: Any
    queue_url: str
    wait_seconds: int = 1
    max_messages: int = 100_000  # a queue refilled as fast as it drains still ends the cycle
    source: str = "sqs"
    keeps_messages: bool = False  # deleted on ack; a redelivered one is caught by dedupe_key

    def messages(self, seen: Seen) -> Generator[FeedMessage, None, None]:
        """Until a receive comes back empty; `seen` is not asked: nothing here is recorded."""
        handed = 0
        while handed < self.max_messages:
            received = self.client.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self.wait_seconds
            ).get("Messages", [])
            if not received:
                return
            for message in received:
                yield FeedMessage(
                    key=message["MessageId"],
                    body=str(message.get("Body", "")).encode(),
                    uri=f"sqs://{message['MessageId']}",
                    receipt=message["ReceiptHandle"],
                )
            handed += len(received)

    def ack(self, messages: Sequence[FeedMessage]) -> None:
        for start in range(0, len(messages), 10):
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m.receipt}
                    for i, m in enumerate(messages[start : start + 10])
                ],
            )
