"""The per-enrollment rule as a pure function: no database, milliseconds."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sequences_core.rules.conditions import Engaged, Engagement, Evaluation, Sent, _combine
from sequences_core.rules.decide import (
    CONDITION_RECHECK,
    CreateTask,
    Facts,
    HeldTask,
    LastAttempt,
    MailboxView,
    Position,
    RecordCondition,
    SendEmail,
    Step,
    after_send,
    decide,
)
from sequences_core.rules.schedule import SendRules, is_allowed
from sequences_core.rules.step_graph import check_graph

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
        return facts(latest=LastAttempt(None, 0, attempt, status, NOW - timedelta(hours=1), lease))

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


# --- conditions and tasks that hold -----------------------------------------------------------


def condition(rules: dict, if_true="next", if_false="end") -> Step:
    return Step(
        uuid.uuid4(), "condition", {"rules": rules, "if_true": if_true, "if_false": if_false}
    )


def engaged(sent_step: Step, *events: tuple[str, timedelta]) -> Engagement:
    sent_at = NOW - timedelta(days=1)
    return Engagement(
        (Sent(sent_step.id, sent_at),),
        tuple(Engaged(kind, sent_step.id, sent_at + after) for kind, after in events),
    )


def test_an_open_inside_the_window_takes_the_true_branch_and_is_recorded():
    first, follow_up, other = email(), email(), email()
    rule = {"all": [{"event": "opened", "step": str(first.id), "within": {"days": 2}}]}
    steps = [first, condition(rule, if_true=str(other.id), if_false="next"), follow_up, other]
    seen = engaged(first, ("open", timedelta(hours=3)))
    decision = decide(start(1), steps, facts(engagement=seen), NOW, RNG)
    [recorded, sent] = decision.actions
    assert isinstance(recorded, RecordCondition) and recorded.branch == "if_true"
    assert "open at" in recorded.seen[0]
    assert sent.step == other  # the branch by id, not by position


def test_an_open_window_still_running_waits_then_decides_false_when_it_closes():
    first = email()
    rule = {"all": [{"event": "opened", "step": str(first.id), "within": {"days": 2}}]}
    steps = [first, condition(rule, if_true="next", if_false="end"), email()]
    waiting = decide(start(1), steps, facts(engagement=engaged(first)), NOW, RNG)
    assert waiting.outcome == "waiting_condition" and waiting.position.awaiting_engagement
    assert waiting.position.next_run_at == NOW + CONDITION_RECHECK  # the window closes later
    later = NOW + timedelta(days=1, minutes=1)
    closed = decide(waiting.position, steps, facts(engagement=engaged(first)), later, RNG)
    assert closed.outcome == "completed" and not closed.position.awaiting_engagement
    assert closed.actions[0].branch == "if_false"


def test_machine_events_never_arrive_and_a_late_open_does_not_count():
    first = email()
    rule = {"any": [{"event": "clicked", "step": "any", "within": {"hours": 12}}]}
    steps = [first, condition(rule, if_true="next", if_false="end"), email()]
    late = engaged(first, ("click", timedelta(hours=13)))
    assert decide(start(1), steps, facts(engagement=late), NOW, RNG).outcome == "completed"


def test_field_rules_on_lead_and_custom_fields():
    rule = {"all": [{"field": "custom_fields.tier", "op": "in", "value": ["Gold", "platinum"]},
                    {"field": "company", "op": "contains", "value": "acme"}]}  # fmt: skip
    steps = [condition(rule, if_true="next", if_false="end"), email()]
    values = {"company": "ACME Corp", "custom_fields.tier": "gold"}
    assert decide(start(), steps, facts(lead_values=values), NOW, RNG).outcome == "email"
    other = {"company": "ACME Corp", "custom_fields.tier": "silver"}
    assert decide(start(), steps, facts(lead_values=other), NOW, RNG).outcome == "completed"


@given(
    parts=st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=6),
    mode=st.sampled_from(["all", "any"]),
)
def test_groups_follow_three_valued_logic(parts, mode):
    def part(value):
        return Evaluation(value, NOW if value is None else None)

    combined = _combine(mode, [part(p) for p in parts])
    expected = (all if mode == "all" else any)(p is True for p in parts)
    if (mode == "all" and False in parts) or (mode == "any" and True in parts):
        assert combined.result is (mode == "any")
    elif None in parts:
        assert combined.result is None and combined.recheck_at == NOW
    else:
        assert combined.result is expected


def test_a_task_that_holds_waits_for_completion_or_its_timeout():
    config = {"title": "Call", "wait_until_done": True, "timeout_business_days": 2,
              "on_timeout": "pause"}  # fmt: skip
    hold = Step(uuid.uuid4(), "task", config)
    steps = [hold, email()]
    created = decide(start(), steps, facts(), NOW, RNG)
    assert created.outcome == "waiting" and isinstance(created.actions[0], CreateTask)
    assert created.position.next_run_at == datetime(2026, 12, 4, 10, tzinfo=UTC)  # 2 weekdays
    open_task = {hold.id: HeldTask("open", NOW, None)}
    held = decide(created.position, steps, facts(tasks=open_task), NOW + timedelta(hours=1), RNG)
    assert held.outcome == "waiting" and not held.actions
    done = {hold.id: HeldTask("completed", NOW, NOW + timedelta(hours=2))}
    moved = decide(created.position, steps, facts(tasks=done), NOW + timedelta(hours=3), RNG)
    assert moved.outcome == "email" and moved.position.current_step == 1
    late = decide(created.position, steps, facts(tasks=open_task), NOW + timedelta(days=3), RNG)
    assert late.position.paused_reason == "task_timeout"


def test_the_step_graph_refuses_unknown_targets_and_loops_without_waits():
    a, b = email(), wait(days=1)
    unknown = condition({"all": [{"event": "opened"}]}, if_true=str(uuid.uuid4()))
    assert check_graph([a, unknown]).errors
    looping = Step(uuid.uuid4(), "condition", {"rules": {}, "if_true": "next", "if_false": "x"})
    looping = replace(looping, config={**looping.config, "if_false": str(looping.id)})
    report = check_graph([a, looping])
    assert "no wait" in report.errors[f"steps.{looping.id}.config.if_false"]
    back = Step(uuid.uuid4(), "condition", {"rules": {}, "if_true": "end", "if_false": str(b.id)})
    assert not check_graph([a, b, back]).errors  # waits, then asks again: allowed
    over_email = Step(uuid.uuid4(), "condition", {"rules": {}, "if_true": "end",
                                                  "if_false": str(a.id)})  # fmt: skip
    assert (
        "twice" in check_graph([a, b, over_email]).errors[f"steps.{over_email.id}.config.if_false"]
    )
    skipped = condition({"all": [{"event": "opened"}]}, if_true="end", if_false="end")
    assert check_graph([a, skipped, email()]).warnings == [
        "step 3 (email) is not reached from the first step"
    ]
