"""One feedback cycle: SES events from SQS, then inbound replies from S3 and IMAP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sequences_core.db.uow import UnitOfWork
from sequences_core.feeds.imap import ImapSettings, read_imap
from sequences_core.feeds.s3 import read_inbound_bucket
from sequences_core.feeds.sqs import drain_ses_queue
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


def run_feedback_cycle(
    uow_factory: Callable[[], UnitOfWork], feeds: Feeds, now: Callable[[], datetime]
) -> FeedbackSummary:
    summary = FeedbackSummary()
    if feeds.sqs is not None and feeds.queue_url:
        summary.add(drain_ses_queue(feeds.sqs, feeds.queue_url, uow_factory, now))
    if feeds.s3 is not None and feeds.bucket:
        summary.add(read_inbound_bucket(feeds.s3, feeds.bucket, feeds.prefix, uow_factory, now))
    if feeds.imap is not None:
        summary.add(read_imap(feeds.imap, uow_factory, now))
    with uow_factory() as uow:
        summary.paused_for_reputation += len(guard_reputation(uow, now()))
    return summary
