"""Reading the enrollment page's fields: which leads (a filter), and when to start. A value
that cannot be read is a `FieldErrors` naming the field, shown at it with a 422."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sequences_core.clock import utcnow
from sequences_core.schemas import (
    MAX_START_AHEAD,
    check_field_name,
    check_start_at,
    check_timezone,
)
from sequences_core.services.enrollment_plan import Start
from sequences_core.services.enrollment_views import LeadFilter


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class FilterForm:
    """The filter as typed, echoed back into the form."""

    q: str = ""
    company: str = ""
    field_key: str = ""
    field_value: str = ""
    since: str = ""

    def parsed(self, zone: str) -> LeadFilter:
        """The service's filter; `since` is a date at midnight in `zone` (the org's)."""
        errors: dict[str, str] = {}
        key = self.field_key.strip()
        if key:
            try:
                check_field_name(key)
            except ValueError as err:
                errors["field_key"] = str(err)
        elif self.field_value.strip():
            errors["field_key"] = "name the custom field the value is for"
        since = None
        if self.since.strip():
            try:
                since = _at(date.fromisoformat(self.since.strip()), time(0), zone)
            except ValueError:
                errors["since"] = "a date such as 2026-12-01"
        if errors:
            raise FieldErrors(errors)
        return LeadFilter(
            q=self.q.strip() or None,
            company=self.company.strip() or None,
            field_key=key or None,
            field_value=self.field_value.strip() or None,
            created_since=since,
        )


def _at(day: date, wall: time, zone: str) -> datetime:
    return datetime.combine(day, wall, tzinfo=ZoneInfo(zone))


@dataclass(frozen=True)
class StartForm:
    mode: str = "now"  # now | at
    day: str = ""
    wall: str = ""
    zone: str = ""  # "" = each lead's own zone

    def parsed(self) -> Start:
        if self.mode != "at":
            return Start()
        errors: dict[str, str] = {}
        try:
            day = date.fromisoformat(self.day.strip())
        except ValueError:
            errors["start_date"] = "a date such as 2026-12-08"
        try:
            wall = time.fromisoformat(self.wall.strip())
        except ValueError:
            errors["start_time"] = "a time such as 09:30"
        zone = self.zone.strip() or None
        if zone is not None:
            try:
                check_timezone(zone)
            except ValueError as err:
                errors["start_zone"] = str(err)
        if not errors:
            try:  # the instant in the zone given, else the latest anywhere: 12 hours behind UTC
                at = _at(day, wall, zone) if zone else datetime.combine(day, wall, UTC)
                check_start_at(at if zone else at + timedelta(hours=12), utcnow())
            except (ValueError, OverflowError):  # a date near 9999 overflows on the way
                errors["start_date"] = f"at most {MAX_START_AHEAD.days} days ahead"
        if errors:
            raise FieldErrors(errors)
        return Start(datetime.combine(day, wall), zone)
