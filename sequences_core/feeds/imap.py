"""Read replies from an IMAP mailbox (stdlib imaplib), for teams not on SES inbound.

Messages are identified by UIDVALIDITY and UID, and recorded in inbound_objects once applied,
so a rerun (or a crash between apply and record) never applies one twice; nothing is deleted
or flagged on the server.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.db.models import InboundObject, table_of
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.feedback import FeedbackSummary, apply_inbound, tally

SOURCE = "imap"


@dataclass(frozen=True)
class ImapSettings:
    host: str
    username: str
    password: str
    port: int = 993
    ssl: bool = True
    folder: str = "INBOX"


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    if settings.ssl:
        return imaplib.IMAP4_SSL(settings.host, settings.port, timeout=30)
    return imaplib.IMAP4(settings.host, settings.port, timeout=30)


def read_imap(
    settings: ImapSettings,
    uow_factory: Callable[[], UnitOfWork],
    now: Callable[[], datetime],
) -> FeedbackSummary:
    summary = FeedbackSummary()
    conn = _connect(settings)
    try:
        conn.login(settings.username, settings.password)
        status, data = conn.select(settings.folder, readonly=True)
        if status != "OK":
            raise RuntimeError(f"cannot open IMAP folder {settings.folder!r}: {data!r}")
        response = conn.response("UIDVALIDITY")[1]
        validity = (response[0] or b"0").decode() if response and response[0] else "0"
        _, found = conn.uid("SEARCH", "ALL")
        uids = (found[0] or b"").split()
        prefix = f"{settings.username}@{settings.host}/{settings.folder}/{validity}/"
        keys = {prefix + uid: uid for uid in (raw_uid.decode() for raw_uid in uids)}
        with uow_factory() as uow:
            done = set(
                uow.session.scalars(
                    select(InboundObject.key).where(
                        InboundObject.source == SOURCE, InboundObject.key.in_(list(keys))
                    )
                )
            )
        for key, uid in keys.items():
            if key in done:
                continue
            _, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            with uow_factory() as uow:
                result = apply_inbound(uow, raw, now(), f"imap://{key}")
                uow.session.execute(
                    pg_insert(table_of(InboundObject)).on_conflict_do_nothing(),
                    [
                        {
                            "source": SOURCE,
                            "key": key,
                            "organization_id": result.organization_id,
                            "classification": result.classification.kind.value,
                            "reason": result.classification.reason,
                        }
                    ],
                )
                uow.commit()
            tally(summary, result)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
    return summary


def parse_imap_url(url: str) -> ImapSettings:
    """imaps://user:password@host:993/INBOX (or imap:// without TLS)."""
    match = re.fullmatch(
        r"(imaps?)://([^:@/]+):([^@/]*)@([^:/]+)(?::(\d+))?(?:/(.+))?", url.strip()
    )
    if match is None:
        raise ValueError("SEQUENCES_IMAP_URL must look like imaps://user:password@host:993/INBOX")
    scheme, user, password, host, port, folder = match.groups()
    return ImapSettings(
        host=host,
        username=unquote(user),
        password=unquote(password),
        port=int(port or (993 if scheme == "imaps" else 143)),
        ssl=scheme == "imaps",
        folder=unquote(folder or "INBOX"),
    )
