"""Sequences inside Airflow: settings, database and AWS taken from Airflow's connections.

Imported by the DAG files; nothing here runs at import time. A task builds a `Runtime`
when it starts: the `sequences_db` Postgres connection becomes the engine URL, and the
`aws_default` connection (its region and `endpoint_url` extra, e.g. moto in development)
becomes the boto3 session every sender and feed client is made from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import Variable

from sequences_core.db.uow import UnitOfWork
from sequences_core.runtime.config import Settings
from sequences_core.services.dispatch import DispatchContext
from sequences_core.services.ingest import Feeds

RETRIES = {
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
}
# What every Sequences DAG shares: no backfill, one run at a time, retries with backoff.
DAG_DEFAULTS: dict[str, Any] = {
    "start_date": datetime(2026, 1, 1, tzinfo=UTC),
    "catchup": False,
    "max_active_runs": 1,
    "default_args": RETRIES,
    "tags": ["sequences"],
}
DB_CONN_ID = "sequences_db"
AWS_CONN_ID = "aws_default"
SES_POOL = "ses_send"
log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings

    @cached_property
    def aws_session(self) -> Any:
        return AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type="sesv2").get_session()

    @cached_property
    def uow(self) -> Callable[[], UnitOfWork]:
        from sequences_core.runtime.wiring import uow_factory

        return uow_factory(self.settings)

    def dispatch_context(self, batch_size: int = 500) -> DispatchContext:
        from sequences_core.runtime.wiring import build_sender, dispatch_context

        session = self.aws_session if self.settings.sender == "ses" else None
        sender = build_sender(self.settings, session)
        return dispatch_context(self.settings, sender, batch_size=batch_size)

    def feedback_cycle(self) -> dict[str, int]:
        """One pass over SQS, S3 and IMAP (the dispatch DAG's first task, the feedback DAG)."""
        from sequences_core.clock import utcnow
        from sequences_core.services.cycle import apply_feedback

        return apply_feedback(self.uow, self.feeds(), utcnow).as_dict()

    def feeds(self) -> Feeds:
        from sequences_core.runtime.wiring import build_feeds

        needs_aws = self.settings.ses_events_queue_url or self.settings.inbound_bucket
        return build_feeds(self.settings, self.aws_session if needs_aws else None)


def runtime(senders: int = 1) -> Runtime:
    """Settings from the environment, overridden by Airflow's connections and Variables; for
    one of `senders` tasks sending at once, its share of the SES account's rate."""
    settings = Settings.from_env()
    url = PostgresHook(postgres_conn_id=DB_CONN_ID).get_uri()
    aws = AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type="sesv2").conn_config
    rate = Variable.get("sequences_ses_max_send_rate", default=str(settings.ses_max_send_rate))
    settings = replace(
        settings,
        database_url=url,
        aws_region=aws.region_name or settings.aws_region,
        aws_endpoint_url=aws.endpoint_url or settings.aws_endpoint_url,
        ses_max_send_rate=float(rate),
    )
    return Runtime(settings.shared_by(senders))


def log_table(title: str, counts: dict[str, int]) -> None:
    """A summary as an aligned table in the task log."""
    width = max((len(k) for k in counts), default=0)
    lines = [title, *(f"  {k.ljust(width)}  {v:>8}" for k, v in counts.items())]
    log.info("\n".join(lines))
