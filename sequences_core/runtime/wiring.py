"""The one place that turns settings into an engine and units of work for entry points."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine

from sequences_core.clock import utcnow
from sequences_core.db.engine import build_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.devstack.embedded_db import EmbeddedPostgres
from sequences_core.feeds.imap import parse_imap_url
from sequences_core.rules.tokens import Tokens
from sequences_core.runtime.config import Settings
from sequences_core.senders import Sender
from sequences_core.senders.outbox import OutboxSender
from sequences_core.services.dispatch import DispatchContext
from sequences_core.services.ingest import Feeds
from sequences_core.services.mailboxes import IdentityCheck

DATABASE = "sequences"


def embedded_server(settings: Settings) -> EmbeddedPostgres:
    port = int(os.environ.get("SEQUENCES_EMBEDDED_PG_PORT", "54329"))
    return EmbeddedPostgres(settings.var_dir / "pg", port=port)


def database_url(settings: Settings) -> str:
    """SEQUENCES_DATABASE_URL if set, else the embedded server under var/ (started if need be)."""
    if settings.database_url:
        return settings.database_url
    server = embedded_server(settings)
    server.start()
    return server.ensure_database(DATABASE)


@cache
def engine_for(url: str) -> Engine:
    return build_engine(url)


def uow_factory(settings: Settings) -> Callable[[], UnitOfWork]:
    engine = engine_for(database_url(settings))
    return lambda: UnitOfWork(engine)


def build_sender(settings: Settings, boto3_session: Any | None = None) -> Sender:
    """The sender SEQUENCES_SENDER names; inside Airflow the boto3 session comes from the hook."""
    if settings.sender == "ses" and settings.send_processes > 1:
        from sequences_core.senders.processes import ProcessPoolSender

        return ProcessPoolSender(settings, settings.send_processes, boto3_session)
    if settings.sender == "ses":
        from sequences_core.senders.ses import SesSender

        return SesSender.from_settings(settings, boto3_session)
    if settings.sender == "smtp":
        from sequences_core.senders.smtp import SmtpSender, SmtpSettings

        if not settings.smtp_host:
            raise ValueError("SEQUENCES_SMTP_HOST must be set when SEQUENCES_SENDER=smtp")
        return SmtpSender(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls,
            )
        )
    return OutboxSender(settings.var_dir / "outbox")


def identity_check(settings: Settings, boto3_session: Any | None = None) -> IdentityCheck:
    """SES's verified identities when SES sends; the outbox and SMTP have none to ask about."""
    if settings.sender != "ses":
        return lambda _address: None
    from sequences_core.senders.ses import SesIdentityCheck

    return SesIdentityCheck.from_settings(settings, boto3_session)


def dispatch_context(
    settings: Settings,
    sender: Sender | None = None,
    now: Callable[[], datetime] = utcnow,
    batch_size: int = 500,
) -> DispatchContext:
    return DispatchContext(
        batch_size=batch_size,
        sender=sender or build_sender(settings),
        tokens=Tokens(settings.secret_key),
        public_url=settings.public_url,
        now=now,
        lease=timedelta(seconds=settings.send_lease_seconds),
        default_from_email=settings.default_from_email or "outreach@sequences.local",
    )


def build_feeds(settings: Settings, boto3_session: Any | None = None) -> Feeds:
    """Feed clients from settings; inside Airflow the session comes from the AWS hook."""
    imap = parse_imap_url(settings.imap_url) if settings.imap_url else None
    if not (settings.ses_events_queue_url or settings.inbound_bucket):
        return Feeds(imap=imap)
    import boto3

    session = boto3_session or boto3.session.Session()

    def client(name: str) -> Any:
        return session.client(
            name, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
        )

    return Feeds(
        sqs=client("sqs") if settings.ses_events_queue_url else None,
        queue_url=settings.ses_events_queue_url,
        s3=client("s3") if settings.inbound_bucket else None,
        bucket=settings.inbound_bucket,
        prefix=settings.inbound_prefix,
        imap=imap,
    )
