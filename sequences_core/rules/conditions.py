"""Condition steps: does a rule over the lead's behaviour and data hold, not hold, or is it
not known yet? A pure function over plain values.

Behaviour ("opened", "clicked", "replied") counts only people: machine opens and clicks
are stored flagged and never reach here. A rule with a window ("within 3 days of step X")
is decided when the answer is known: true as soon as the event is seen inside the window,
false once the window has closed without it, and unknown until then, so the enrollment
waits at the condition until `recheck_at` (or an event wakes it sooner). Rules combine
with `all` / `any` in Kleene's three-valued logic: `all` is false once one rule is false,
`any` is true once one rule is true, and otherwise unknown while any rule is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

BEHAVIOUR_EVENTS = {"opened": "open", "clicked": "click", "replied": "reply"}


@dataclass(frozen=True, slots=True)
class Sent:
    """One of the enrollment's emails that went: which step, when."""

    step_id: uuid.UUID | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Engaged:
    """A person's open, click or reply; `step_id` is the email's step (None: a reply matched
    to the enrollment, not to one email)."""

    kind: str  # open | click | reply
    step_id: uuid.UUID | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Engagement:
    sent: tuple[Sent, ...] = ()
    events: tuple[Engaged, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    result: bool | None  # None: not known yet
    recheck_at: datetime | None  # when an unknown answer becomes known at the latest
    seen: tuple[str, ...] = field(default=())  # what decided it, for the execution's record


def evaluate(
    rules: Mapping[str, Any], engagement: Engagement, lead: Mapping[str, Any], now: datetime
) -> Evaluation:
    """`rules` is `{"all": [...]}` or `{"any": [...]}`; an item is a rule or one more group."""
    mode, items = _group(rules)
    parts = [
        (evaluate if _is_group(item) else _rule)(item, engagement, lead, now) for item in items
    ]
    return _combine(mode, parts)


def _is_group(item: Mapping[str, Any]) -> bool:
    return "all" in item or "any" in item


def _group(rules: Mapping[str, Any]) -> tuple[str, Sequence[Mapping[str, Any]]]:
    mode = "all" if "all" in rules else "any"
    return mode, rules[mode]


def _combine(mode: str, parts: Sequence[Evaluation]) -> Evaluation:
    decisive = mode == "any"  # the answer one part alone can settle
    seen = tuple(s for p in parts for s in p.seen)
    if any(p.result is decisive for p in parts):
        return Evaluation(decisive, None, seen)
    pending = [p.recheck_at for p in parts if p.result is None]
    if pending:
        known = [t for t in pending if t is not None]
        return Evaluation(None, min(known) if known else None, seen)
    return Evaluation(not decisive, None, seen)


def _rule(
    rule: Mapping[str, Any], engagement: Engagement, lead: Mapping[str, Any], now: datetime
) -> Evaluation:
    if "event" in rule:
        return _behaviour(rule, engagement, now)
    return _field(rule, lead)


def _behaviour(rule: Mapping[str, Any], engagement: Engagement, now: datetime) -> Evaluation:
    kind = BEHAVIOUR_EVENTS[rule["event"]]
    step = rule.get("step", "any")
    window = _window(rule.get("within"))
    emails = [s for s in engagement.sent if step == "any" or str(s.step_id) == str(step)]
    label = f"{rule['event']} {'any email' if step == 'any' else f'step {step}'}"
    open_until: list[datetime] = []
    for email in emails:
        closes = email.at + window if window is not None else None
        hit = _first_event(engagement.events, kind, email, closes, step == "any")
        if hit is not None:
            return Evaluation(True, None, (f"{label}: {kind} at {hit.isoformat()}",))
        if closes is not None and closes > now:
            open_until.append(closes)
    if open_until:
        return Evaluation(None, min(open_until), (f"{label}: not yet, window open",))
    why = "no such email sent" if not emails else "not seen"
    return Evaluation(False, None, (f"{label}: {why}",))


def _first_event(
    events: Sequence[Engaged], kind: str, email: Sent, closes: datetime | None, anywhere: bool
) -> datetime | None:
    """The first such event for this email inside its window (a reply not tied to an email
    counts for every email sent before it)."""
    found = [
        e.at
        for e in events
        if e.kind == kind
        and (e.step_id == email.step_id or (e.step_id is None and (anywhere or kind == "reply")))
        and e.at >= email.at
        and (closes is None or e.at <= closes)
    ]
    return min(found) if found else None


def _window(within: Mapping[str, int] | None) -> timedelta | None:
    if not within:
        return None
    return timedelta(days=within.get("days", 0), hours=within.get("hours", 0))


def _field(rule: Mapping[str, Any], lead: Mapping[str, Any]) -> Evaluation:
    name, op, expected = rule["field"], rule["op"], rule.get("value")
    value = lead.get(name)
    present = value is not None and value != ""
    if op == "exists":
        result = present
    elif op == "not_exists":
        result = not present
    elif not present:
        result = op == "not_equals"
    else:
        result = _compare(op, _text(value), expected)
    return Evaluation(result, None, (f"{name} {op} {expected!r}: {_text(value)!r} -> {result}",))


def _compare(op: str, value: str, expected: Any) -> bool:
    if op == "equals":
        return value.casefold() == _text(expected).casefold()
    if op == "not_equals":
        return value.casefold() != _text(expected).casefold()
    if op == "contains":
        return _text(expected).casefold() in value.casefold()
    if op == "in":
        return value.casefold() in {_text(v).casefold() for v in expected}
    raise ValueError(f"unknown operator {op!r}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
