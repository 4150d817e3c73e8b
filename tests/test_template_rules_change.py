"""A template's new send rules reach the enrollments its old window deferred (issue 17 part 6),
and nothing else: waits, later starts and other templates keep their times. Real clock, real
cycles through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from sequences_core.db.models import SequenceEnrollment
from sequences_core.db.uow import UnitOfWork
from tests.api_support import ALWAYS_OPEN, API, Tenant, sequence


def narrow(days_ahead: int = 3) -> dict[str, Any]:
    """Open one weekday only, `days_ahead` days from today (UTC)."""
    day = (datetime.now(UTC) + timedelta(days=days_ahead)).isoweekday()
    return {
        "send_window": {"start": "00:00", "end": "23:59:59", "days": [day]},
        "skip_weekends": False,
        "jitter_minutes": 0,
        "timezone": "UTC",
    }


def next_run(engine: Any, enrollment_id: str) -> datetime:
    with UnitOfWork(engine) as uow:
        found = uow.session.scalar(
            select(SequenceEnrollment.next_run_at).where(SequenceEnrollment.id == enrollment_id)
        )
    assert found is not None
    return found


def enrolled(t: Tenant, ids: dict[str, str], **extra: Any) -> str:
    answer = t.post(
        f"{API}/enrollments", {"template_id": ids["template"], "lead_id": ids["lead"], **extra}
    )
    assert answer.status_code == 201, answer.json
    return str(answer.json["id"])


def cycle(t: Tenant) -> dict[str, int]:
    answer = t.post(f"{API}/execute", {})
    assert answer.status_code == 200, answer.json
    return dict(answer.json["summary"])


def settings(t: Tenant, template: str, new: dict[str, Any]) -> None:
    assert t.put(f"{API}/templates/{template}", {"settings": new}).status_code == 200


def test_widening_the_window_makes_a_deferred_enrollment_due_now(acme, rival, clean_db):
    rival.post(f"{API}/mailboxes", {"from_email": "rita@rival.example"})  # acme.example is acme's
    ours, theirs = sequence(acme, settings=narrow()), sequence(rival, settings=narrow())
    mine, other = enrolled(acme, ours), enrolled(rival, theirs)
    assert cycle(acme)["deferred_window"] == 1 and cycle(rival)["deferred_window"] == 1
    deferred = next_run(clean_db, mine)
    assert deferred > datetime.now(UTC) + timedelta(days=2)  # the narrow window's day
    settings(acme, ours["template"], ALWAYS_OPEN)
    assert next_run(clean_db, mine) <= datetime.now(UTC)
    assert next_run(clean_db, other) > datetime.now(UTC) + timedelta(days=2)  # rival's: kept
    assert cycle(acme)["sent"] == 1


def test_changing_the_window_again_moves_it_to_the_new_opening(acme, clean_db):
    ids = sequence(acme, settings=narrow(3))
    mine = enrolled(acme, ids)
    cycle(acme)
    settings(acme, ids["template"], narrow(5))  # another single day, further off
    moved = next_run(clean_db, mine)
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    assert moved == datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    settings(acme, ids["template"], narrow(1))  # a retimed enrollment follows again
    day = (datetime.now(UTC) + timedelta(days=1)).date()
    assert next_run(clean_db, mine) == datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def test_a_wait_keeps_its_time_whatever_the_new_window(acme, clean_db):
    ids = sequence(acme, settings=ALWAYS_OPEN, follow_up=True)  # email, wait 3 days, email
    mine = enrolled(acme, ids)
    assert cycle(acme)["sent"] == 1
    waiting = next_run(clean_db, mine)
    assert waiting > datetime.now(UTC) + timedelta(days=2)
    for new in (narrow(1), narrow(6), {**ALWAYS_OPEN, "timezone": "Pacific/Kiritimati"}):
        settings(acme, ids["template"], new)
        assert next_run(clean_db, mine) == waiting


def test_a_later_start_keeps_its_time(acme, clean_db):
    ids = sequence(acme, settings=narrow())
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    mine = enrolled(acme, ids, start_at=start.isoformat())
    settings(acme, ids["template"], ALWAYS_OPEN)
    assert next_run(clean_db, mine) == start
    assert cycle(acme)["sent"] == 0
