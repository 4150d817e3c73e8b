"""`sequences mailboxes`: sender identities (list, show, update, pause, resume)."""

from __future__ import annotations

from typing import Any

import click

from sequences_core.cli.common import (
    actor,
    emit,
    friendly_errors,
    json_option,
    org_id,
    org_option,
    reason_option,
)
from sequences_core.cli.common import uow as new_uow


@click.group()
def mailboxes() -> None:
    """Mailboxes: settings, warm-up, pause and resume (audited)."""


def _mailbox(box: Any) -> dict[str, Any]:
    from sequences_core.clock import utcnow
    from sequences_core.services.mailboxes import todays_limit

    return {
        "id": str(box.id), "from_email": box.from_email, "from_name": box.from_name,
        "reply_to": box.reply_to, "daily_limit": box.daily_limit,
        "todays_limit": todays_limit(box, utcnow()), "timezone": box.timezone,
        "warmup": box.warmup, "status": box.status, "paused_reason": box.paused_reason,
    }  # fmt: skip


@mailboxes.command("list")
@org_option
@json_option
@friendly_errors
def mailboxes_list(org: str, as_json: bool) -> None:
    """Every mailbox, oldest (the default sender) first."""
    from sequences_core.services.mailboxes import list_mailboxes

    with new_uow() as unit:
        emit([_mailbox(b) for b in list_mailboxes(unit, org_id(org))], as_json)


@mailboxes.command("update")
@org_option
@click.argument("mailbox_id")
@click.option("--from-name", default=None, help="display name ('' clears it)")
@click.option("--reply-to", default=None, help="reply-to address ('' clears it)")
@click.option("--daily-limit", type=int, default=None, help="emails a day at most")
@click.option("--timezone", default=None, help="IANA zone its day is counted in")
@click.option(
    "--warmup", default=None, metavar="START,INCREASE,TARGET",
    help="warm-up ramp from today, e.g. 20,10,200; 'off' ends it",
)  # fmt: skip
@json_option
@friendly_errors
def mailboxes_update(
    org: str, mailbox_id: str, from_name: str | None, reply_to: str | None,
    daily_limit: int | None, timezone: str | None, warmup: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Change only the options given."""
    from sequences_core.operator_schemas import MailboxUpdate
    from sequences_core.schemas import parse
    from sequences_core.services.mailboxes import update_mailbox

    raw: dict[str, Any] = {
        name: value or None
        for name, value in (("from_name", from_name), ("reply_to", reply_to))
        if value is not None
    }
    limits = (("daily_limit", daily_limit), ("timezone", timezone))
    raw |= {name: value for name, value in limits if value is not None}
    if warmup is not None:
        raw["warmup"] = _warmup(warmup)
    with new_uow() as unit:
        box = update_mailbox(unit, org_id(org), mailbox_id, parse(MailboxUpdate, raw), actor())
        emit(_mailbox(box), as_json)


def _warmup(text: str) -> dict[str, str] | None:
    if text.strip().lower() == "off":
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 3:
        raise click.BadParameter("use START,INCREASE,TARGET or off", param_hint="--warmup")
    return dict(zip(("start_per_day", "increase_per_day", "target"), parts, strict=True))


@mailboxes.command("pause")
@org_option
@click.argument("mailbox_id")
@reason_option
@json_option
@friendly_errors
def mailboxes_pause(org: str, mailbox_id: str, reason: str, as_json: bool) -> None:
    """Hold the mailbox's sends until it is resumed."""
    from sequences_core.services.mailboxes import pause_mailbox

    with new_uow() as unit:
        emit(_mailbox(pause_mailbox(unit, org_id(org), mailbox_id, reason, actor())), as_json)


@mailboxes.command("resume")
@org_option
@click.argument("mailbox_id")
@reason_option
@json_option
@friendly_errors
def mailboxes_resume(org: str, mailbox_id: str, reason: str, as_json: bool) -> None:
    """Lift a pause (the reputation guard's or an operator's); the guard counts from now."""
    from sequences_core.clock import utcnow
    from sequences_core.services.mailboxes import resume_mailbox

    with new_uow() as unit:
        box = resume_mailbox(unit, org_id(org), mailbox_id, reason, actor(), utcnow())
        emit(_mailbox(box), as_json)
