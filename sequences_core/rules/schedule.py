"""When may an email go? Pure functions over UTC instants and a lead's local rules.

An instant is *allowed* when, in the lead's zone, its local date is an allowed
weekday that is not a public holiday and its local wall-clock time lies in
[start, end). Everything else follows from that definition, including DST: a
window start inside the spring-forward gap opens at the first instant after
the gap that is inside the window, and the repeated fall-back hour can hold
two allowed stretches on one local day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

MAX_DAYS_AHEAD = 800  # no rule set leaves a lead unreachable for longer than this
_TRANSITION_HORIZON = timedelta(hours=27)


@dataclass(frozen=True)
class SendRules:
    zone: ZoneInfo
    start: time = time(9)
    end: time = time(17)
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, Monday = 1
    holiday_country: str | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("window end must be after its start")
        if not self.days:
            raise ValueError("at least one weekday must be allowed")


@cache
def _holidays(country: str, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, years=year).items())


def holiday_name(day: date, country: str | None) -> str | None:
    if country is None:
        return None
    return _holidays(country, day.year).get(day)


def day_allowed(day: date, rules: SendRules) -> bool:
    return day.isoweekday() in rules.days and holiday_name(day, rules.holiday_country) is None


def is_allowed(t: datetime, rules: SendRules) -> bool:
    local = t.astimezone(rules.zone)
    return rules.start <= local.time() < rules.end and day_allowed(local.date(), rules)


def _offset(t: datetime, zone: ZoneInfo) -> timedelta:
    offset = t.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def next_transition(t: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant after t (to the microsecond) whose UTC offset differs, within a day."""
    before = _offset(t, zone)
    hi = t + _TRANSITION_HORIZON
    if _offset(hi, zone) == before:
        return None
    lo = t  # offset(lo) == before, offset(hi) != before
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if _offset(mid, zone) == before:
            lo = mid
        else:
            hi = mid
    return hi


def next_allowed_instant(t: datetime, rules: SendRules) -> datetime:
    """The earliest allowed instant >= t (t itself when t is allowed).

    Allowed stretches begin only where the local clock reaches `start` under a
    constant offset, or where the offset changes; step between those.
    """
    if t.tzinfo is None:
        raise ValueError("t must be timezone-aware")
    current = t.astimezone(UTC)
    limit = current + timedelta(days=MAX_DAYS_AHEAD)
    while current < limit:
        if is_allowed(current, rules):
            return current
        offset = _offset(current, rules.zone)
        local = (current + offset).replace(tzinfo=None)
        opening = datetime.combine(local.date(), rules.start)
        if opening <= local:
            opening += timedelta(days=1)
        candidate = (opening - offset).replace(tzinfo=UTC)
        transition = next_transition(current, rules.zone)
        current = transition if transition is not None and transition <= candidate else candidate
    raise ValueError(f"no allowed send time within {MAX_DAYS_AHEAD} days")


def stretch_end(t: datetime, rules: SendRules) -> datetime:
    """For an allowed t, the first instant after it that is not allowed."""
    offset = _offset(t, rules.zone)
    local = (t.astimezone(UTC) + offset).replace(tzinfo=None)
    closing = (datetime.combine(local.date(), rules.end) - offset).replace(tzinfo=UTC)
    transition = next_transition(t, rules.zone)
    if transition is not None and transition < closing:
        return transition if not is_allowed(transition, rules) else stretch_end(transition, rules)
    return closing


def with_jitter(t: datetime, rules: SendRules, max_minutes: int, rng: random.Random) -> datetime:
    """Spread sends: a random instant in [t, t + max_minutes] that stays inside t's stretch."""
    if max_minutes <= 0 or not is_allowed(t, rules):
        return t
    room = min(timedelta(minutes=max_minutes), stretch_end(t, rules) - t - timedelta(seconds=1))
    if room <= timedelta(0):
        return t
    return t + timedelta(seconds=rng.uniform(0, room.total_seconds()))


def add_wait(
    t: datetime, rules: SendRules, *, days: int = 0, hours: int = 0, business_days: int = 0
) -> datetime:
    """t moved on by a wait step: calendar days and business days keep the local time of day
    (so a wait stays "the same time, N days later" across DST); hours are elapsed hours."""
    local = t.astimezone(rules.zone)
    day = local.date() + timedelta(days=days)
    remaining = business_days
    while remaining > 0:
        day += timedelta(days=1)
        if day_allowed(day, rules):
            remaining -= 1
    wall = datetime.combine(day, local.time())
    moved = wall.replace(tzinfo=rules.zone)  # fold=0: the earlier of a repeated time
    # A wall time in a spring-forward gap does not exist; normalising via UTC moves it forward.
    result = moved.astimezone(UTC) + timedelta(hours=hours)
    return max(result, t.astimezone(UTC))


@dataclass(frozen=True)
class SkippedDay:
    day: date
    reason: str


@dataclass(frozen=True)
class Explanation:
    at: datetime
    next_allowed: datetime
    local: datetime
    skipped: list[SkippedDay] = field(default_factory=list)


def explain(t: datetime, rules: SendRules) -> Explanation:
    """The engine's own answer to "when will this lead get the email?", with the reasons."""
    result = next_allowed_instant(t, rules)
    skipped: list[SkippedDay] = []
    day = t.astimezone(rules.zone).date()
    last = result.astimezone(rules.zone).date()
    while day < last:
        name = holiday_name(day, rules.holiday_country)
        if day.isoweekday() not in rules.days:
            reason = "weekend" if day.isoweekday() >= 6 else f"not a send day ({day:%A})"
        elif name is not None:
            reason = f"holiday: {name}"
        else:
            reason = "outside the window"
        skipped.append(SkippedDay(day, reason))
        day += timedelta(days=1)
    return Explanation(t, result, result.astimezone(rules.zone), skipped)
