"""Property tests for the send-window arithmetic, over many zones, dates and DST edges."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sequences_core.rules.schedule import (
    SendRules,
    add_wait,
    explain,
    is_allowed,
    next_allowed_instant,
    with_jitter,
)

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Asia/Tehran",
    "America/St_Johns",
    "Europe/Dublin",
    "Pacific/Apia",
]
COUNTRIES = [None, "DE", "US", "GB", "JP", "FR", "BR", "AU"]

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def rules(draw: st.DrawFn) -> SendRules:
    a, b = sorted(draw(st.lists(minutes, min_size=2, max_size=2, unique=True)))
    days = draw(st.frozensets(st.integers(1, 7), min_size=1))
    return SendRules(
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        start=time(a // 60, a % 60),
        end=time(b // 60, b % 60),
        days=days,
        holiday_country=draw(st.sampled_from(COUNTRIES)),
    )


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


def minute_floor(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), instants)
def test_result_is_allowed_and_not_before_t(r, t):
    result = next_allowed_instant(t, r)
    assert result >= t
    assert is_allowed(result, r)
    if is_allowed(t, r):
        assert result == t


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), instants)
@example(  # spring forward in New York: a 02:30 start opens at 03:00 local
    SendRules(ZoneInfo("America/New_York"), time(2, 30), time(4), frozenset(range(1, 8))),
    datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
)
@example(  # fall back in New York: between two stretches of 01:15-01:45 on one local day
    SendRules(ZoneInfo("America/New_York"), time(1, 15), time(1, 45), frozenset(range(1, 8))),
    datetime(2026, 11, 1, 5, 50, tzinfo=UTC),
)
def test_no_allowed_minute_between_t_and_result(r, t):
    """Exhaustive oracle: with minute-aligned windows and zones whose transitions fall on whole
    minutes, allowed-ness changes only on minute boundaries, so scanning minutes is exact."""
    t = minute_floor(t)
    result = next_allowed_instant(t, r)
    assume(result - t <= timedelta(days=12))  # keep the scan bounded
    probe = t
    while probe < result:
        assert not is_allowed(probe, r), f"{probe} is allowed but {result} was returned"
        probe += timedelta(minutes=1)


@settings(max_examples=200, deadline=None)
@given(rules(), instants, st.integers(0, 30), st.integers(0, 2**32))
def test_jitter_stays_inside_the_window(r, t, jitter, seed):
    start = next_allowed_instant(t, r)
    moved = with_jitter(start, r, jitter, random.Random(seed))
    assert start <= moved <= start + timedelta(minutes=jitter)
    assert is_allowed(moved, r)


@settings(max_examples=200, deadline=None)
@given(rules(), instants, st.integers(0, 10), st.integers(0, 48), st.integers(0, 10))
def test_waits_never_go_backwards_and_business_days_land_on_send_days(r, t, days, hours, bdays):
    result = add_wait(t, r, days=days, hours=hours, business_days=bdays)
    assert result >= t + timedelta(hours=hours) - timedelta(hours=3)  # DST may shorten a day
    assert result >= t
    if bdays and not days and not hours:
        local = result.astimezone(r.zone)
        assert local.isoweekday() in r.days


def test_business_days_skip_weekends_and_holidays():
    r = SendRules(ZoneInfo("Europe/Berlin"), holiday_country="DE")
    friday = datetime(2026, 12, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    # Business days after Fri 18th: 21, 22, 23, 24 (a working day in DE), then 25th Christmas,
    # 26th Saturday (and a holiday), 27th Sunday are skipped, so the 5th is Monday 28th.
    result = add_wait(friday, r, business_days=4).astimezone(r.zone)
    assert result.date().isoformat() == "2026-12-24" and result.hour == 10
    result = add_wait(friday, r, business_days=5).astimezone(r.zone)
    assert result.date().isoformat() == "2026-12-28"


def test_calendar_day_waits_keep_local_time_across_dst():
    r = SendRules(ZoneInfo("Europe/London"), days=frozenset(range(1, 8)))
    before = datetime(2026, 3, 28, 9, 30, tzinfo=ZoneInfo("Europe/London"))  # GMT
    after = add_wait(before, r, days=2).astimezone(r.zone)  # BST by then
    assert (after.date().isoformat(), after.hour, after.minute) == ("2026-03-30", 9, 30)


def test_explain_names_every_skipped_day():
    r = SendRules(ZoneInfo("Europe/Berlin"), holiday_country="DE")
    e = explain(datetime(2026, 12, 24, 16, 30, tzinfo=UTC), r)
    assert e.local.isoformat() == "2026-12-28T09:00:00+01:00"
    reasons = [s.reason for s in e.skipped]
    assert reasons == ["outside the window", "holiday: Christmas Day", "weekend", "weekend"]


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed_instant(datetime(2026, 1, 1), SendRules(ZoneInfo("UTC")))
