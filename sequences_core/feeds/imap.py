"""Replies in an IMAP mailbox (stdlib imaplib), for teams not on SES inbound.

Messages are keyed by UIDVALIDITY and UID; nothing is deleted or flagged on the server (the
folder may be a person's inbox), so the service records each key once applied and `seen`
skips it before it is fetched again.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from sequences_core.feeds.base import FeedMessage, Seen


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


def _open_folder(conn: imaplib.IMAP4, settings: ImapSettings) -> str:
    """Log in, select the folder read-only; its UIDVALIDITY (a new one renumbers every UID)."""
    conn.login(settings.username, settings.password)
    status, data = conn.select(settings.folder, readonly=True)
    if status != "OK":
        raise RuntimeError(f"cannot open IMAP folder {settings.folder!r}: {data!r}")
    response = conn.response("UIDVALIDITY")[1]
    return (response[0] or b"0").decode() if response and response[0] else "0"


@dataclass(frozen=True)
class ImapFeed:
    settings: ImapSettings
    source: str = "imap"
    keeps_messages: bool = True

    def messages(self, seen: Seen) -> Generator[FeedMessage, None, None]:
        settings = self.settings
        conn = _connect(settings)
        try:
            validity = _open_folder(conn, settings)
            _, found = conn.uid("SEARCH", "ALL")
            prefix = f"{settings.username}@{settings.host}/{settings.folder}/{validity}/"
            keys = {prefix + uid.decode(): uid.decode() for uid in (found[0] or b"").split()}
            done = seen(list(keys)) if keys else set()
            for key, uid in keys.items():
                if key not in done:
                    _, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                    body = next((p[1] for p in parts if isinstance(p, tuple)), b"")
                    yield FeedMessage(key=key, body=body, uri=f"imap://{key}")
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def ack(self, messages: Sequence[FeedMessage]) -> None:
        """Nothing to do on the server: the recorded key is the acknowledgement."""


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
