"""The record phase computes where an enrollment goes next once per shared (step, steps, rules):
that sharing must never hand one lead another's schedule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sequences_core.rules.decide import Position, Step, after_send
from sequences_core.rules.schedule import SendRules
from sequences_core.services.dispatch.record import Advances

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
RULES = st.builds(
    SendRules,
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    start=st.sampled_from([time(0), time(9, 30)]),
    end=st.sampled_from([time(17), time(23, 59)]),
    days=st.sampled_from([frozenset(range(1, 6)), frozenset({2, 4})]),
)
WAIT = st.fixed_dictionaries(
    {"days": st.integers(0, 2), "hours": st.integers(0, 30), "business_days": st.integers(1, 3)}
)


def _steps(waits: list[dict[str, int]]) -> list[Step]:
    steps = []
    for config in waits:
        steps += [Step(uuid.uuid4(), "email", {}), Step(uuid.uuid4(), "wait", config)]
    return steps


@settings(max_examples=150, deadline=None)
@given(
    leads=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1), RULES), min_size=1, max_size=12),
    waits=st.lists(st.lists(WAIT, min_size=2, max_size=2), min_size=2, max_size=2),
    offset=st.integers(0, 14 * 24 * 60),
)
def test_each_row_is_what_after_send_says_for_that_lead_alone(leads, waits, offset):
    now = datetime(2027, 3, 1, tzinfo=UTC) + timedelta(minutes=offset)
    templates = [_steps(w) for w in waits]
    advances = Advances(now)
    for position, template, rules in leads:
        position = 2 * (position % 2)  # an email step of the template
        steps = templates[template]
        row = advances.row(uuid.uuid4(), position, steps, rules)
        alone = after_send(Position("active", position, None, None), steps, rules, now)
        assert (row["current_step"], row["status"], row["next_run_at"], row["completed_at"]) == (
            alone.current_step, alone.status, alone.next_run_at, alone.completed_at,
        )  # fmt: skip
