"""The pure send forecast (rules/forecast.py) without a database: Hypothesis properties over
random enrollments, zones, steps and limits, and the operator's headline case."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequences_core.db.models import Mailbox, Organization
from sequences_core.rules.decide import Facts, MailboxView, Position, Step
from sequences_core.rules.forecast import Forecast, Plan, World, forecast
from sequences_core.rules.schedule import SendRules
from sequences_core.schemas import TemplateSettings
from sequences_core.services.forecast import LimitOut, summary

ZONES = ["UTC", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "Australia/Sydney"]
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))


def _email(i: int) -> Step:
    return Step(uuid.UUID(int=1000 + i), "email", {"html": "<p>Hi</p>"})


def _wait(i: int, **config: int) -> Step:
    return Step(uuid.UUID(int=2000 + i), "wait", config)


@st.composite
def worlds(draw: Any, single: bool = False) -> dict[str, Any]:
    """An organization, two mailboxes (one maybe warming up), a template and enrollments."""
    org = Organization(id=uuid.uuid4(), timezone=draw(st.sampled_from(ZONES)),
                       daily_limit=draw(st.none() | st.integers(1, 30)))  # fmt: skip
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(0, 365 * 24 * 60))
    )
    ramp = draw(st.booleans())
    warmup = {"start_date": start.date().isoformat(), "start_per_day": draw(st.integers(1, 5)),
              "increase_per_day": draw(st.integers(1, 5))} if ramp else {}  # fmt: skip
    boxes = [
        Mailbox(id=uuid.uuid4(), timezone=draw(st.sampled_from(ZONES)),
                daily_limit=draw(st.integers(1, 20)), warmup=warmup if i == 0 else {})
        for i in range(2)
    ]  # fmt: skip
    steps = [_email(0)]
    if not single:
        for i in range(draw(st.integers(0, 2))):
            days, business = draw(st.integers(0, 3)), draw(st.integers(0, 2))
            steps += [_wait(i, days=days, business_days=business, hours=1), _email(i + 1)]
    template_id = uuid.uuid4()
    limit = draw(st.none() | st.integers(1, 25))
    n = draw(st.integers(1, 40))
    plans = []
    for i in range(n):
        rules = SendRules(ZoneInfo(draw(st.sampled_from(ZONES))), time(9), time(17),
                          draw(st.sampled_from([WEEKDAYS, EVERY_DAY])),
                          draw(st.sampled_from([None, "US", "DE"])))  # fmt: skip
        box = boxes[draw(st.integers(0, 1))]
        views = {b.id: MailboxView(b.id, True) for b in boxes}
        facts = Facts(rules=rules, jitter_minutes=5, lead_status="active", suppressed=None,
                      template_deleted=False, org_paused=False, mailboxes=views,
                      enrollment_mailbox=box.id, default_mailbox=views[boxes[0].id],
                      latest=None)  # fmt: skip
        due = start + timedelta(minutes=draw(st.integers(-600, 5 * 24 * 60)))
        plans.append(
            Plan(uuid.UUID(int=i + 1), template_id, Position("active", 0, due, None), facts)
        )
    return {"org": org, "boxes": boxes, "steps": steps, "template": template_id,
            "limit": limit, "plans": plans, "start": start}  # fmt: skip


def _run(w: dict[str, Any], mailbox_limit: int | None = None, days: int = 14) -> Forecast:
    boxes = w["boxes"]
    if mailbox_limit is not None:
        boxes = [Mailbox(id=b.id, timezone=b.timezone, daily_limit=mailbox_limit,
                         warmup=b.warmup) for b in boxes]  # fmt: skip
    world = World(
        w["org"], {b.id: b for b in boxes},
        {w["template"]: TemplateSettings(daily_limit=w["limit"])}, {w["template"]: w["steps"]},
    )  # fmt: skip
    return forecast(w["plans"], world, w["start"], days)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(worlds())
def test_no_daily_limit_is_ever_passed(w: dict[str, Any]) -> None:
    result = _run(w)
    assert result.counters, "some email is due within the fortnight"
    for pk, (sent, limit) in result.counters.items():
        assert sent <= limit, (pk, sent, limit)
    days = result.org.days
    assert len(days) == 14 and all(b.day - a.day == timedelta(days=1) for a, b in pairwise(days))
    assert result.org.sent == result.scope(w["template"]).sent == sum(d.sent for d in days)
    assert all(sum(d.by_mailbox.values()) == d.sent for d in days)


@FAST
@given(worlds(single=True))
def test_every_enrollment_is_sent_or_still_pending(w: dict[str, Any]) -> None:
    scope = _run(w).org
    n = len(w["plans"])
    assert scope.enrollments == scope.awaiting_first == n
    assert scope.sent + scope.pending_at_end == n
    assert scope.first_sent == scope.sent == sum(d.first_emails for d in scope.days)


@FAST
@given(worlds(single=True), st.integers(1, 20), st.integers(1, 10))
def test_a_higher_limit_never_sends_less_by_any_day(
    w: dict[str, Any], limit: int, more: int
) -> None:
    """With mailbox limits the only limits: several limits counted on different local days
    (mailbox, template, organization) need not be monotone together, in the engine either."""
    org = w["org"]
    boxes = [Mailbox(id=b.id, timezone=b.timezone, daily_limit=b.daily_limit, warmup={})
             for b in w["boxes"]]  # fmt: skip
    w = w | {"org": Organization(id=org.id, timezone=org.timezone, daily_limit=None),
             "limit": None, "boxes": boxes}  # fmt: skip
    lower, higher = _run(w, limit).org.days, _run(w, limit + more).org.days
    low_total = high_total = 0
    for low, high in zip(lower, higher, strict=True):
        low_total, high_total = low_total + low.sent, high_total + high.sent
        assert high_total >= low_total, (low.day, low_total, high_total)


def test_a_thousand_leads_at_120_a_day_take_nine_days() -> None:
    """The operator's question: how long do the 1,000 leads just enrolled take?"""
    org = Organization(id=uuid.uuid4(), timezone="UTC", daily_limit=None)
    box = Mailbox(id=uuid.uuid4(), timezone="UTC", daily_limit=120, warmup={})
    template = uuid.uuid4()
    rules = SendRules(ZoneInfo("UTC"), time(9), time(17), EVERY_DAY)
    view = MailboxView(box.id, True)
    facts = Facts(rules=rules, jitter_minutes=5, lead_status="active", suppressed=None,
                  template_deleted=False, org_paused=False, mailboxes={box.id: view},
                  enrollment_mailbox=None, default_mailbox=view, latest=None)  # fmt: skip
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    plans = [Plan(uuid.UUID(int=i + 1), template, Position("active", 0, start, None), facts)
             for i in range(1000)]  # fmt: skip
    world = World(org, {box.id: box}, {template: TemplateSettings()}, {template: [_email(0)]})
    result = forecast(plans, world, start)
    scope = result.scope(template)
    assert [d.sent for d in scope.days[:9]] == [120] * 8 + [40]
    assert scope.days[0].deferred_total == 880 and scope.last_first_day == date(2026, 3, 10)
    ref = scope.bottleneck
    assert ref is not None and result.limits[ref] == 120
    limit = LimitOut(ref.scope.value, ref.scope_id, f"mailbox {box.from_email}", 120)
    sentence = summary(scope, 14, limit, result.end)
    assert sentence.startswith("1,000 leads waiting for a first email: the last first email")
    assert "Tue 2026-03-10 (9 days) at mailbox" in sentence and "limit of 120/day" in sentence


def test_conditions_follow_todays_facts_and_tasks_and_webhooks_are_counted_apart() -> None:
    """No open arrives, so the condition takes its 'not opened' branch once its window
    closes; the task and the webhook call are counted, not as emails."""
    org = Organization(id=uuid.uuid4(), timezone="UTC", daily_limit=None)
    box = Mailbox(id=uuid.uuid4(), timezone="UTC", daily_limit=100, warmup={})
    first = _email(0)
    opened = {"all": [{"event": "opened", "step": str(first.id), "within": {"days": 2}}]}
    steps = [
        first,
        Step(uuid.UUID(int=3000), "condition",
             {"rules": opened, "if_true": "end", "if_false": "next"}),
        Step(uuid.UUID(int=3001), "task", {"title": "Call them"}),
        Step(uuid.UUID(int=3002), "webhook", {"url": "https://crm.example/hook"}),
        _email(1),
    ]  # fmt: skip
    template = uuid.uuid4()
    rules = SendRules(ZoneInfo("UTC"), time(0), time(23, 59), EVERY_DAY)
    view = MailboxView(box.id, True)
    facts = Facts(rules=rules, jitter_minutes=0, lead_status="active", suppressed=None,
                  template_deleted=False, org_paused=False, mailboxes={box.id: view},
                  enrollment_mailbox=None, default_mailbox=view, latest=None,
                  lead_values={"email": "x@y.example"})  # fmt: skip
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    plans = [Plan(uuid.UUID(int=i + 1), template, Position("active", 0, start, None), facts)
             for i in range(3)]  # fmt: skip
    world = World(org, {box.id: box}, {template: TemplateSettings()}, {template: steps})
    days = forecast(plans, world, start).scope(template).days
    assert [d.sent for d in days[:4]] == [3, 0, 3, 0]  # the second email when the window shut
    assert [d.tasks for d in days[:4]] == [0, 0, 3, 0]
    assert [d.webhooks for d in days[:4]] == [0, 0, 3, 0]
    assert days[0].first_emails == 3 and days[2].first_emails == 0
