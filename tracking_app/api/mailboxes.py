"""Mailboxes: the addresses the organization sends from."""

from __future__ import annotations

from typing import Any

from sequences_core.db.models import Mailbox
from sequences_core.schemas import MailboxCreate
from sequences_core.services import mailboxes as service
from tracking_app.api import bp
from tracking_app.registry import API
from tracking_app.schemas import MailboxList, MailboxOut
from tracking_app.state import org, unit

TAG = "mailboxes"


@API.route(bp, "/mailboxes", "GET", tag=TAG, response=MailboxList)
def list_mailboxes() -> dict[str, Any]:
    """Your mailboxes, oldest first (the oldest is the default sender)."""
    return {"items": service.list_mailboxes(unit(), org())}


@API.route(
    bp, "/mailboxes", "POST", tag=TAG, body=MailboxCreate, response=MailboxOut, status=201,
    errors=(409,),
)  # fmt: skip
def create_mailbox(body: MailboxCreate) -> Mailbox:
    """Add a sender identity: from address and name, reply-to, daily limit, time zone.

    A reply-to containing `{execution}` is expanded per email (VERP) so replies match.
    """
    return service.create_mailbox(unit(), org(), body)
