"""One feedback cycle: SES events from SQS, then inbound replies from S3 and IMAP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sequences_core.db.uow import UnitOfWork
from sequences_core.feeds.base import Feed
from sequences_core.feeds.imap import ImapFeed, ImapSettings
from sequences_core.feeds.s3 import S3Feed
from sequences_core.feeds.sqs import SqsFeed
from sequences_core.services.feed_apply import INBOUND_MAIL, SES_EVENTS, Payload, apply_feed
from sequences_core.services.feedback import FeedbackSummary
from sequences_core.services.reputation import guard_reputation


@dataclass(frozen=True)
class Feeds:
    """Where feedback comes from; clients are built once at the edge (env or Airflow hooks)."""

    sqs: Any = None
    queue_url: str | None = None
    s3: Any = None
    bucket: str | None = None
    prefix: str = "inbound/"
    imap: ImapSettings | None = None

    @property
    def configured(self) -> bool:
        return bool(self.queue_url or self.bucket or self.imap)

    def readers(self) -> list[tuple[Feed, Payload]]:
        """The configured feeds in cycle order, each with what its messages are."""
        found: list[tuple[Feed, Payload]] = []
        if self.sqs is not None and self.queue_url:
            found.append((SqsFeed(self.sqs, self.queue_url), SES_EVENTS))
        if self.s3 is not None and self.bucket:
            found.append((S3Feed(self.s3, self.bucket, self.prefix), INBOUND_MAIL))
        if self.imap is not None:
            found.append((ImapFeed(self.imap), INBOUND_MAIL))
        return found


def run_feedback_cycle(
    uow_factory: Callable[[], UnitOfWork], feeds: Feeds, now: Callable[[], datetime]
) -> FeedbackSummary:
    summary = FeedbackSummary()
    for feed, payload in feeds.readers():
        summary.add(apply_feed(uow_factory, feed, payload, now))
    with uow_factory() as uow:
        summary.paused_for_reputation += len(guard_reputation(uow, now()))
    return summary
