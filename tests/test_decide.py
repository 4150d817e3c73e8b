"""The per-enrollment rule as a pure function: no database, milliseconds."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sequences_core.rules.decide import (
    CreateTask,
    Facts,
    LastAttempt,
    MailboxView,
    Position,
    SendEmail,
    Step,
    after_send,
    decide,
)
from sequences_core.schedule import SendRules, is_allowed

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday
ALWAYS = SendRules(ZoneInfo("UTC"), time(0), time(23, 59, 59), frozenset(range(1, 8)), None)
OFFICE = SendRules(ZoneInfo("America/New_York"), time(9), time(17), frozenset(range(1, 6)), "US")
BOX = MailboxView(uuid.uuid4(), True)


def facts(**changes) -> Facts:
    base = Facts(
        rules=ALWAYS, jitter_minutes=0, lead_status="active", suppressed=None,
        template_deleted=False, org_paused=False, mailboxes={BOX.id: BOX},
        enrollment_mailbox=None, default_mailbox=BOX, latest=None,
    )  # fmt: skip
    return replace(base, **changes)


def start(step: int = 0) -> Position:
    return Position("active", step, NOW, None)


def email() -> Step:
    return Step(uuid.uuid4(), "email", {"html": "<p>hi</p>"})


def wait(**config) -> Step:
    return Step(uuid.uuid4(), "wait", config)


def task() -> Step:
    return Step(uuid.uuid4(), "task", {"title": "Call", "due_in_days": 2})


RNG = random.Random(0)


def test_an_email_due_inside_the_window_is_sent():
    steps = [email()]
    decision = decide(start(), steps, facts(), NOW, RNG)
    assert decision.outcome == "email"
    assert decision.email == SendEmail(steps[0], 0, 1, BOX.id)


def test_stops_come_before_anything_else():
    steps = [email()]
    cases = {
        "template_deleted": facts(template_deleted=True),
        "lead_left_company": facts(lead_status="left_company"),
        "suppressed: complaint": facts(suppressed="complaint"),
    }
    for reason, given_facts in cases.items():
        decision = decide(start(), steps, given_facts, NOW, RNG)
        assert (decision.outcome, decision.position.stopped_reason) == ("stopped", reason)
        assert decision.position.next_run_at is None and not decision.actions
    unsubscribed = decide(start(), steps, facts(suppressed="unsubscribe"), NOW, RNG)
    assert unsubscribed.position.status == "unsubscribed"


def test_tasks_on_the_way_are_created_and_the_email_after_them_goes():
    steps = [task(), task(), email()]
    decision = decide(start(), steps, facts(), NOW, RNG)
    assert [type(a) for a in decision.actions] == [CreateTask, CreateTask, SendEmail]
    assert decision.actions[0].due_at == NOW + timedelta(days=2)
    assert decision.position.current_step == 2


def test_outside_the_window_defers_to_the_next_opening():
    saturday = datetime(2026, 12, 5, 15, tzinfo=UTC)
    decision = decide(start(), [email()], facts(rules=OFFICE), saturday, RNG)
    assert decision.outcome == "deferred_window" and not decision.actions
    assert decision.position.next_run_at == datetime(2026, 12, 7, 14, tzinfo=UTC)  # Mon 9:00


def test_a_paused_mailbox_or_org_defers_and_no_mailbox_pauses():
    paused = MailboxView(BOX.id, False)
    for given_facts in (facts(mailboxes={BOX.id: paused}, default_mailbox=paused),
                        facts(org_paused=True)):  # fmt: skip
        decision = decide(start(), [email()], given_facts, NOW, RNG)
        assert decision.outcome == "deferred_paused" and decision.position.next_run_at > NOW
    nobody = decide(start(), [email()], facts(mailboxes={}, default_mailbox=None), NOW, RNG)
    assert (nobody.outcome, nobody.position.paused_reason) == ("paused", "no_mailbox")


def test_the_latest_attempt_decides_between_catch_up_wait_pause_retry_and_give_up():
    steps = [email(), wait(days=2), email()]

    def latest(status: str, attempt: int = 1) -> Facts:
        lease = NOW + timedelta(minutes=5)
        return facts(latest=LastAttempt(0, attempt, status, NOW - timedelta(hours=1), lease))

    caught = decide(start(), steps, latest("sent"), NOW, RNG)
    assert caught.outcome == "caught_up" and caught.position.current_step == 2
    assert caught.position.next_run_at == NOW - timedelta(hours=1) + timedelta(days=2)
    in_flight = decide(start(), steps, latest("sending"), NOW, RNG)
    assert in_flight.outcome == "in_flight" and not in_flight.actions
    unknown = decide(start(), steps, latest("unknown"), NOW, RNG)
    assert unknown.position.paused_reason == "delivery_unknown"
    retry = decide(start(), steps, latest("failed", attempt=2), NOW, RNG)
    assert retry.email is not None and retry.email.attempt == 3
    given_up = decide(start(), steps, latest("failed", attempt=5), NOW, RNG)
    assert given_up.position.status == "failed"


KINDS = st.sampled_from(["email", "wait", "task"])
WAIT = st.tuples(st.integers(0, 5), st.integers(0, 48), st.integers(0, 5))


@settings(max_examples=200, deadline=None)
@given(
    plan=st.lists(KINDS, min_size=1, max_size=12),
    waits=st.lists(WAIT, min_size=12, max_size=12),
    office=st.booleans(),
    offset=st.integers(0, 7 * 24 * 60),
)
def test_any_sequence_ends_and_sends_every_email_once_in_order(plan, waits, office, offset):
    steps = []
    for kind, (days, hours, business) in zip(plan, waits, strict=False):
        if kind == "wait":
            steps.append(wait(days=days, hours=hours or (0 if days or business else 1),
                              business_days=business))  # fmt: skip
        else:
            steps.append(email() if kind == "email" else task())
    rules = OFFICE if office else ALWAYS
    now = NOW + timedelta(minutes=offset)
    at, sent, tasks = Position("active", 0, now, None), [], 0
    for _ in range(10 * len(steps) + 10):
        if at.status != "active":
            break
        now = max(now, at.next_run_at or now)
        decision = decide(at, steps, facts(rules=rules), now, RNG)
        tasks += sum(isinstance(a, CreateTask) for a in decision.actions)
        at = decision.position
        if decision.email is not None:
            assert is_allowed(now, rules)  # never outside the window
            sent.append(decision.email.position)
            at = after_send(at, steps, rules, now)
        else:
            assert decision.outcome in {"waiting", "deferred_window", "completed"}
            assert at.status == "completed" or at.next_run_at > now  # time always moves on
    assert at.status == "completed"
    assert sent == [i for i, s in enumerate(steps) if s.type == "email"]  # none skipped
    assert tasks == sum(s.type == "task" for s in steps)
