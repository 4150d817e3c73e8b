"""Mailboxes: the addresses the organization sends from."""

from __future__ import annotations

from typing import Any

from sequences_core.clock import utcnow
from sequences_core.db.models import Mailbox
from sequences_core.operator_schemas import MailboxUpdate
from sequences_core.schemas import MailboxCreate
from sequences_core.services import mailboxes as service
from tracking_app.api import bp
from tracking_app.operator_schemas import MailboxDetailOut, MailboxStatusOut, ReasonIn
from tracking_app.registry import API
from tracking_app.schemas import MailboxCreated, MailboxList, MailboxOut
from tracking_app.state import actor, org, state, unit

TAG = "mailboxes"


@API.route(bp, "/mailboxes", "GET", tag=TAG, response=MailboxList)
def list_mailboxes() -> dict[str, Any]:
    """Your mailboxes, oldest first (the oldest is the default sender)."""
    return {"items": service.list_mailboxes(unit(), org())}


@API.route(
    bp, "/mailboxes", "POST", tag=TAG, body=MailboxCreate, response=MailboxCreated, status=201,
    errors=(409,),
)  # fmt: skip
def create_mailbox(body: MailboxCreate) -> dict[str, Any]:
    """Add a sender identity: from address and name, reply-to, daily limit, time zone.

    A reply-to containing `{execution}` is expanded per email (VERP) so replies match. A
    domain belongs to the first organization that adds a mailbox there: at another's, 409.
    With SES sending, `warnings` says when SES has verified neither the address nor its
    domain (its sends would be rejected) or could not be asked.
    """
    created = service.create_mailbox(unit(), org(), body, state().identity_check())
    return {
        **MailboxOut.model_validate(created.mailbox).model_dump(),
        "warnings": created.warnings,
    }


def _detail(mailbox: Mailbox) -> dict[str, Any]:
    return {
        **MailboxOut.model_validate(mailbox).model_dump(),
        "warmup": mailbox.warmup,
        "todays_limit": service.todays_limit(mailbox, utcnow()),
        "reputation_since": mailbox.reputation_since,
    }


@API.route(bp, "/mailboxes/<mailbox_id>", "GET", tag=TAG, response=MailboxDetailOut, errors=(404,))
def get_mailbox(mailbox_id: str) -> dict[str, Any]:
    """One mailbox with its warm-up ramp and what it may send today."""
    return _detail(service.get_mailbox(unit(), org(), mailbox_id))


@API.route(
    bp, "/mailboxes/<mailbox_id>", "PATCH", tag=TAG, body=MailboxUpdate,
    response=MailboxDetailOut, errors=(404,),
)  # fmt: skip
def update_mailbox(mailbox_id: str, body: MailboxUpdate) -> dict[str, Any]:
    """Change the from name, reply-to, daily limit, time zone or warm-up (only what you name).

    A warm-up without `start_date` starts today; `"warmup": null` ends it. Audited.
    """
    return _detail(service.update_mailbox(unit(), org(), mailbox_id, body, actor()))


@API.route(
    bp, "/mailboxes/<mailbox_id>/pause", "POST", tag=TAG, body=ReasonIn,
    response=MailboxStatusOut, errors=(404,),
)  # fmt: skip
def pause_mailbox(mailbox_id: str, body: ReasonIn) -> Mailbox:
    """Hold the mailbox's sends until it is resumed; its emails wait, nothing is lost."""
    return service.pause_mailbox(unit(), org(), mailbox_id, body.reason, actor())


@API.route(
    bp, "/mailboxes/<mailbox_id>/resume", "POST", tag=TAG, body=ReasonIn,
    response=MailboxStatusOut, errors=(404, 409),
)  # fmt: skip
def resume_mailbox(mailbox_id: str, body: ReasonIn) -> Mailbox:
    """Lift a pause (the reputation guard's or an operator's); recorded with who and why.

    The guard then counts the mailbox's sends from now (see `GET /reputation` first).
    """
    return service.resume_mailbox(unit(), org(), mailbox_id, body.reason, actor(), utcnow())
