"""What every feed is to the service that applies it: messages with stable keys, acknowledged.

A feed only reads and acknowledges; what a message means, whether it was applied before and
what happens when it cannot be applied are decided once, in `services/feed_apply.py`, so the
three readers cannot drift apart again.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Protocol

# Given a page of keys, the ones already applied (so a feed that keeps its messages need not
# fetch them again).
Seen = Callable[[Sequence[str]], set[str]]


@dataclass(frozen=True)
class FeedMessage:
    key: str  # stable across reads: S3 key, user@host/folder/UIDVALIDITY/UID, SQS message id
    body: bytes
    uri: str  # where it came from, stored with what it produced
    receipt: str | None = None  # what acknowledging it needs (SQS receipt handle)


class Feed(Protocol):
    @property
    def source(self) -> str:
        """Names the feed in feedback_dead_letters and inbound_objects ("sqs", "s3", "imap")."""
        ...

    @property
    def keeps_messages(self) -> bool:
        """True when acknowledging leaves the message in place (S3, IMAP): the service then
        records its key in inbound_objects and `seen` reports it next time."""
        ...

    def messages(self, seen: Seen) -> Generator[FeedMessage, None, None]:
        """Each message not yet seen; the service closes the generator when done."""
        ...

    def ack(self, messages: Sequence[FeedMessage]) -> None:
        """Called after the transaction that applied (or dead-lettered) them committed."""
        ...
