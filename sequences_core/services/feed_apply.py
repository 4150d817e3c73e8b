"""Applying any feed the same way: skip what was applied, apply, dead-letter, record, commit, ack.

The rules are one here for SQS, S3 and IMAP alike: a message that cannot be applied goes to
feedback_dead_letters with its reason and the rest of the feed goes on; it is acknowledged
like any other, so the next cycle does not fail on it again; a feed that keeps its messages
(S3, IMAP) has every key recorded in inbound_objects in the transaction that applied it, so
it is applied once even if the cycle dies before the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.db.models import FeedbackDeadLetter, InboundObject, table_of
from sequences_core.db.uow import UnitOfWork
from sequences_core.feedback.ses_events import MalformedEvent, SesEvent, parse_ses_event
from sequences_core.feeds.base import Feed, FeedMessage
from sequences_core.feeds.sqs import MESSAGES_PER_COMMIT
from sequences_core.services.feedback import FeedbackSummary, apply_inbound, tally
from sequences_core.services.ses_feedback import apply_ses_events


@dataclass
class Applied:
    """What one transaction did: counts, messages it could not apply, and for inbound mail what
    each message was found to be (kept with its key in inbound_objects)."""

    summary: FeedbackSummary = field(default_factory=FeedbackSummary)
    dead: list[tuple[FeedMessage, str]] = field(default_factory=list)  # (message, reason)
    found: dict[str, dict[str, Any]] = field(default_factory=dict)  # by key


@dataclass(frozen=True)
class Payload:
    """What a feed's messages are, and how many go in one transaction."""

    per_commit: int
    apply: Callable[[UnitOfWork, Sequence[FeedMessage], datetime], Applied]


def _apply_ses_events(uow: UnitOfWork, batch: Sequence[FeedMessage], now: datetime) -> Applied:
    """Parse each; apply every event that parsed in one set-based pass (speed: see
    services/ses_feedback.py). A body that is not an SES event is dead-lettered."""
    applied = Applied()
    events: list[SesEvent] = []
    for message in batch:
        try:
            events.append(parse_ses_event(message.body.decode("utf-8", "replace")))
        except MalformedEvent as err:
            applied.dead.append((message, str(err)))
    applied.summary = apply_ses_events(uow, events, now)
    return applied


def _apply_mail(uow: UnitOfWork, batch: Sequence[FeedMessage], now: datetime) -> Applied:
    """Classify and apply each inside a savepoint, so a message that raises undoes only itself."""
    applied = Applied()
    for message in batch:
        try:
            with uow.session.begin_nested():
                result = apply_inbound(uow, message.body, now, message.uri)
        except Exception as err:  # whatever a malformed message breaks, the rest go on
            applied.dead.append((message, f"{type(err).__name__}: {err}"))
            continue
        tally(applied.summary, result)
        applied.found[message.key] = {
            "organization_id": result.organization_id,
            "classification": result.classification.kind.value,
            "reason": result.classification.reason,
        }
    return applied


SES_EVENTS = Payload(per_commit=MESSAGES_PER_COMMIT, apply=_apply_ses_events)
INBOUND_MAIL = Payload(per_commit=1, apply=_apply_mail)  # each reply acts as soon as it is read


def apply_feed(
    uow_factory: Callable[[], UnitOfWork],
    feed: Feed,
    payload: Payload,
    now: Callable[[], datetime],
) -> FeedbackSummary:
    """Drain one feed; a message is acknowledged only after its transaction committed."""
    summary = FeedbackSummary()
    seen = partial(_seen, uow_factory, feed.source) if feed.keeps_messages else _nothing_seen
    with closing(feed.messages(seen)) as messages:
        while batch := list(islice(messages, payload.per_commit)):
            with uow_factory() as uow:
                applied = payload.apply(uow, batch, now())
                stored = _settle(uow, feed, batch, applied)
                uow.commit()
            feed.ack(batch)
            summary.add(applied.summary)
            summary.dead_letters += stored
    return summary


def _settle(uow: UnitOfWork, feed: Feed, batch: Sequence[FeedMessage], applied: Applied) -> int:
    """Store the dead letters not stored before (a message whose acknowledgement was lost
    comes back); record every key (dead-lettered too) of a feed that keeps its messages, so
    none of them is read again. Returns how many dead letters are new."""
    stored = 0
    if applied.dead:
        stored = len(
            uow.session.execute(
                pg_insert(table_of(FeedbackDeadLetter))
                .on_conflict_do_nothing(index_elements=["source", "reference"])
                .returning(table_of(FeedbackDeadLetter).c.id),
                [_dead_letter(feed.source, message, reason) for message, reason in applied.dead],
            ).all()
        )
    if feed.keeps_messages:
        unknown = {"organization_id": None, "classification": None, "reason": None}
        rows = [
            {"source": feed.source, "key": m.key, **applied.found.get(m.key, unknown)}
            for m in batch
        ]
        uow.session.execute(pg_insert(table_of(InboundObject)).on_conflict_do_nothing(), rows)
    return stored


def _dead_letter(source: str, message: FeedMessage, reason: str) -> dict[str, Any]:
    """PostgreSQL text holds no NUL, and a malformed message may well contain one."""
    body = message.body.decode("utf-8", "replace").replace("\x00", "")
    return {
        "organization_id": None,
        "source": source,
        "reference": message.key,
        "reason": reason.replace("\x00", ""),
        "body": body[:1_000_000],
    }


def _seen(uow_factory: Callable[[], UnitOfWork], source: str, keys: Sequence[str]) -> set[str]:
    with uow_factory() as uow:
        return set(
            uow.session.scalars(
                select(InboundObject.key).where(
                    InboundObject.source == source, InboundObject.key.in_(list(keys))
                )
            )
        )


def _nothing_seen(keys: Sequence[str]) -> set[str]:
    return set()
