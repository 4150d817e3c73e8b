"""The chaos run's five invariants, judged from what the SES stand-in and the webhook receiver
recorded (what left the engine), not from the engine's own tables.

Pure functions over plain values, so a unit test can hand them a record with a duplicate, a
breach or an out-of-window send and see them fail. The engine's tables are read only to
*explain* a step that did not go (its execution failed or is unknown, with a reason) and for
the engine's health (invariant 5); `Outcomes` and `Health` carry that.

Identity without the engine's ids: each lead has one enrollment, so the recipient names the
enrollment; each email step's subject starts with `[chaos <template> s<position>]`, so the
subject names the step; a webhook call's `Idempotency-Key` is `<enrollment>:<step>`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

SUBJECT = re.compile(r"\[chaos (?P<template>\w+) s(?P<position>\d+)\]")
ENDED = frozenset({"failed", "paused", "bounced", "unsubscribed", "stopped"})


@dataclass(frozen=True)
class Window:
    """When a lead may be mailed, in its own zone: [start, end) on ISO weekdays `days`."""

    zone: str
    start: time
    end: time
    days: frozenset[int]

    def admits(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.zone))
        return local.isoweekday() in self.days and self.start <= local.time() < self.end


@dataclass(frozen=True)
class PlannedStep:
    position: int
    kind: str  # email | webhook
    step_id: str  # the webhook's Idempotency-Key ends with it


@dataclass(frozen=True)
class Enrollment:
    """One lead's enrollment as the run seeded it."""

    lead: str  # the address, lowercased
    enrollment_id: str  # as the Idempotency-Key has it (hyphenated)
    organization_id: str  # hex, as the stand-in's org_id tag
    template: str
    window: Window
    steps: tuple[PlannedStep, ...]
    suppressed_from: datetime | None = None  # nothing may go to it from then on


@dataclass(frozen=True)
class Limit:
    limit: int
    zone: str  # whose local day counts


@dataclass(frozen=True)
class Plan:
    enrollments: Mapping[str, Enrollment]  # by lead address
    mailbox_limits: Mapping[str, Limit]  # by from address
    template_limits: Mapping[str, Limit]  # by template key
    org_limits: Mapping[str, Limit]  # by org id hex


@dataclass(frozen=True)
class StepOutcome:
    """The engine's own account of a step (read only to explain a step that did not go)."""

    status: str
    error: str | None


@dataclass(frozen=True)
class Outcomes:
    executions: Mapping[str, StepOutcome]  # by execution id hex (the stand-in's tag)
    steps: Mapping[tuple[str, int], StepOutcome]  # (lead, position): the latest attempt
    enrollments: Mapping[str, tuple[str, str | None]]  # lead -> (status, reason)


@dataclass(frozen=True)
class Health:
    stuck_leases: int = 0  # executions still `sending` after the last reconciliation
    due_left: int = 0  # active enrollments due at the end, not taken
    error_paused: int = 0  # paused by an unexpected error (needs a person)
    unexpected_exits: int = 0  # dispatchers that failed without being killed or cut off
    stalled_rounds: int = 0  # rounds after a fault that made no progress though work was due


@dataclass
class Verdict:
    name: str
    counts: dict[str, int]
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def line(self) -> str:
        counts = ", ".join(f"{k} {v:,}" for k, v in self.counts.items())
        head = f"{'PASS' if self.ok else 'FAIL'} {self.name}: {counts}"
        return head if self.ok else f"{head}; e.g. {'; '.join(self.failures[:3])}"


@dataclass(frozen=True)
class Sent:
    """One accepted email, read from the stand-in's record."""

    lead: str
    template: str
    position: int
    at: datetime
    sender: str
    org: str
    execution: str
    dropped: bool


def read_sent(records: Iterable[Mapping[str, Any]]) -> list[Sent]:
    found = []
    for r in records:
        match = SUBJECT.search(r.get("subject") or "")
        if match is None:
            raise ValueError(f"a record without a chaos subject: {r.get('subject')!r}")
        tags = r.get("tags") or {}
        found.append(
            Sent(
                lead=r["to"][0].lower(),
                template=match["template"],
                position=int(match["position"]),
                at=parsedate_to_datetime(r["date_header"]),
                sender=r["from"].lower(),
                org=tags.get("org_id", ""),
                execution=tags.get("execution_id", ""),
                dropped=r.get("answer") == "dropped",
            )
        )
    return found


def delivered_calls(calls: Iterable[Mapping[str, Any]]) -> set[str]:
    """Idempotency keys the receiver answered with a 2xx (it takes repeats of a key as one)."""
    return {c["key"] for c in calls if 200 <= int(c.get("status") or 0) < 300}


def no_duplicates(
    sent: Sequence[Sent], outcomes: Outcomes, calls: Sequence[Mapping[str, Any]]
) -> Verdict:
    """1. No (enrollment, step) delivered twice; a dropped answer left `unknown` (or settled
    `sent` by SES's Send event), and nothing was sent for that step again."""
    per_step = Counter((s.lead, s.template, s.position) for s in sent)
    twice = [f"{k[0]} s{k[2]} x{n}" for k, n in per_step.items() if n > 1]
    dropped = [s for s in sent if s.dropped]
    wrong = [
        f"{s.lead} s{s.position} is {found.status}"
        for s in dropped
        if (found := outcomes.executions.get(s.execution)) is None
        or found.status not in ("unknown", "sent")
    ]
    keys = Counter(c["key"] for c in calls)
    return Verdict(
        "1 no step delivered twice",
        {
            "emails": len(sent),
            "steps": len(per_step),
            "twice": len(twice),
            "dropped answers": len(dropped),
            "dropped not left unknown": len(wrong),
            "webhook keys": len(keys),
            "same-key repeats": sum(n - 1 for n in keys.values()),
        },
        twice + wrong,
    )


def all_accounted_for(
    plan: Plan, sent: Sequence[Sent], calls: Sequence[Mapping[str, Any]], outcomes: Outcomes
) -> Verdict:
    """2. Every step of every enrollment went, or is failed/unknown with a reason, or its
    enrollment ended (suppressed, bounced, failed, paused) with one."""
    emails = {(s.lead, s.position) for s in sent}
    hooks = delivered_calls(calls)
    counts: Counter[str] = Counter()
    lost: list[str] = []
    for e in plan.enrollments.values():
        status, reason = outcomes.enrollments.get(e.lead, ("missing", None))
        for step in e.steps:
            went = (
                (e.lead, step.position) in emails
                if step.kind == "email"
                else f"{e.enrollment_id}:{step.step_id}" in hooks
            )
            if went:
                counts["delivered"] += 1
                continue
            attempt = outcomes.steps.get((e.lead, step.position))
            if attempt is not None and attempt.status in ("failed", "unknown") and attempt.error:
                counts[f"{attempt.status} with a reason"] += 1
            elif status in ENDED and reason:
                counts["enrollment ended with a reason"] += 1
            else:
                counts["lost"] += 1
                lost.append(f"{e.lead} s{step.position} ({status})")
    counts.setdefault("lost", 0)
    return Verdict("2 every due step accounted for", dict(counts), lost)


def _day(at: datetime, zone: str) -> date:
    return at.astimezone(ZoneInfo(zone)).date()


def within_limits(plan: Plan, sent: Sequence[Sent]) -> Verdict:
    """3. No mailbox, template or organization daily limit exceeded on any local day."""
    used: Counter[tuple[str, str, date]] = Counter()
    limits: dict[tuple[str, str], Limit] = {}
    for scope, table in (
        ("mailbox", plan.mailbox_limits),
        ("template", plan.template_limits),
        ("org", plan.org_limits),
    ):
        limits.update({(scope, name): limit for name, limit in table.items()})
    for s in sent:
        for scope, name in (("mailbox", s.sender), ("template", s.template), ("org", s.org)):
            limit = limits.get((scope, name))
            if limit is not None:
                used[scope, name, _day(s.at, limit.zone)] += 1
    breaches = [
        f"{scope} {name} {day}: {n} > {limits[scope, name].limit}"
        for (scope, name, day), n in used.items()
        if n > limits[scope, name].limit
    ]
    fullest = max((n / limits[k[:2]].limit for k, n in used.items()), default=0.0)
    return Verdict(
        "3 daily limits held",
        {"counter-days": len(used), "at their limit": sum(
            n == limits[k[:2]].limit for k, n in used.items()), "breaches": len(breaches),
         "fullest %": round(100 * fullest)},
        breaches,
    )  # fmt: skip


def respected_leads(plan: Plan, sent: Sequence[Sent]) -> Verdict:
    """4. Nothing to a suppressed, unsubscribed or bounced lead; nothing outside its window."""
    suppressed, outside = [], []
    for s in sent:
        e = plan.enrollments.get(s.lead)
        if e is None:
            suppressed.append(f"{s.lead}: not a lead of this run")
            continue
        if e.suppressed_from is not None and s.at >= e.suppressed_from:
            suppressed.append(f"{s.lead} s{s.position} at {s.at:%Y-%m-%d %H:%M %Z}")
        if not e.window.admits(s.at):
            local = s.at.astimezone(ZoneInfo(e.window.zone))
            outside.append(f"{s.lead} s{s.position} at {local:%a %H:%M} {e.window.zone}")
    watched = sum(1 for e in plan.enrollments.values() if e.suppressed_from is not None)
    return Verdict(
        "4 suppressions and windows respected",
        {"emails checked": len(sent), "suppressed leads": watched,
         "sent to suppressed": len(suppressed), "outside window": len(outside)},
        suppressed + outside,
    )  # fmt: skip


def kept_going(health: Health) -> Verdict:
    """5. The engine kept going after each fault: nothing a person must untangle.

    Not counted here: an email left `unknown` by a kill between the claim's commit and the
    send (the provider never saw it, so no Send event settles it). It is never resent and its
    enrollment waits paused (`delivery_unknown`) by design; invariant 2 counts it as unknown
    with a reason, and the dashboard lists it under needs attention for a person to decide."""
    counts = {name: getattr(health, name) for name in health.__dataclass_fields__}
    return Verdict(
        "5 kept going after every fault",
        counts,
        [f"{name} {n}" for name, n in counts.items() if n],
    )


def check(
    plan: Plan,
    records: Iterable[Mapping[str, Any]],
    calls: Sequence[Mapping[str, Any]],
    outcomes: Outcomes,
    health: Health,
) -> list[Verdict]:
    sent = read_sent(records)
    return [
        no_duplicates(sent, outcomes, calls),
        all_accounted_for(plan, sent, calls, outcomes),
        within_limits(plan, sent),
        respected_leads(plan, sent),
        kept_going(health),
    ]


def by_lead(
    values: Iterable[tuple[str, int, str, str | None]],
) -> dict[tuple[str, int], StepOutcome]:
    """(lead, position, status, error) rows, oldest first: each step's latest attempt."""
    latest: dict[tuple[str, int], StepOutcome] = defaultdict(lambda: StepOutcome("", None))
    for lead, position, status, error in values:
        latest[lead, position] = StepOutcome(status, error)
    return dict(latest)
