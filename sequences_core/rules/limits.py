"""Daily sending limits as plain values: which counters an email draws on, and their days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sequences_core.enums import CounterScope


@dataclass(frozen=True)
class CounterKey:
    organization_id: uuid.UUID
    scope: CounterScope
    scope_id: uuid.UUID
    day: date
    limit: int
    zone: str  # whose day this is

    @property
    def pk(self) -> tuple[uuid.UUID, str, uuid.UUID, date]:
        return (self.organization_id, self.scope.value, self.scope_id, self.day)


def local_day(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def next_day_start(now: datetime, zone: str) -> datetime:
    """Local midnight after `now` in `zone`, as UTC: when a spent daily limit refills."""
    tz = ZoneInfo(zone)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)


def warmup_limit(daily_limit: int, warmup: dict[str, Any], today: date) -> int:
    """A new mailbox ramps up: `start_per_day` on `start_date`, plus `increase_per_day` each
    day after, never above the daily limit; once the ramp reaches `target` the warm-up is over
    and the daily limit alone applies. Mailbox providers judge a new sender by its first
    weeks, so a jump straight to the full volume is what lands a domain in spam."""
    if not warmup.get("start_date"):
        return daily_limit
    started = date.fromisoformat(str(warmup["start_date"]))
    days = max(0, (today - started).days)
    ramped = int(warmup.get("start_per_day", 20)) + days * int(warmup.get("increase_per_day", 10))
    if ramped >= int(warmup.get("target", daily_limit)):
        return daily_limit
    return max(1, min(daily_limit, ramped))
