"""An out-of-office without a return date holds the next step by the template's `ooo_delay_days`.

Through the service (`apply_inbound`) on real PostgreSQL: the enrollment is due tomorrow, the
lead's absence notice arrives, and the next step moves to the first send window at least that
many days on, with the reason saying so; a notice that names its return date keeps the
return-date rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sequences_core.db.models import SequenceEmailEvent, SequenceEnrollment
from sequences_core.schemas import LeadIn, TemplateSettings
from sequences_core.services.feedback import apply_inbound
from tests.test_dispatch import ALWAYS, email_step, enrol, mailbox, sequence

NOW = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)  # a Wednesday
LEAD = "away@lead.example"
UNDATED = "I am out of the office with limited access to email and will reply when I can."
DATED = "I am out of the office and will be back on Monday 18 January 2027."


def absence(body: str, sent: datetime = NOW) -> bytes:
    return (
        f"From: Alex Away <{LEAD}>\r\nTo: Dana <dana@sender.example>\r\n"
        "Subject: Automatic reply: Quick question\r\n"
        f"Date: {sent.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <ooo-{abs(hash(body))}@lead.example>\r\n"
        "Auto-Submitted: auto-replied\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def enrolled(uow, org_id, due: datetime, **settings: Any) -> SequenceEnrollment:
    """A live enrollment of LEAD whose next step is due at `due`."""
    mailbox(uow, org_id)
    template = sequence(
        uow, org_id, [email_step("Hi"), ("wait", {"days": 1}), email_step(None)], **settings
    )
    enrol(uow, org_id, template, [LeadIn(email=LEAD, first_name="Alex", timezone="UTC")], NOW)
    enrollment = uow.session.scalars(
        select(SequenceEnrollment).where(SequenceEnrollment.organization_id == org_id)
    ).one()
    enrollment.next_run_at = due
    uow.commit()
    return enrollment


def receive(uow, org_id, enrollment: SequenceEnrollment, raw: bytes, now: datetime = NOW):
    """Apply the message; the enrollment's next due time and the stored event's reason."""
    result = apply_inbound(uow, raw, now, "test")
    uow.commit()
    assert result.applied and result.enrollment_id == enrollment.id
    assert result.classification.kind == "out_of_office", result.classification.reason
    uow.session.refresh(enrollment)
    event = uow.session.scalars(
        select(SequenceEmailEvent).where(
            SequenceEmailEvent.organization_id == org_id,
            SequenceEmailEvent.enrollment_id == enrollment.id,
        )
    ).one()
    assert event.reason == result.classification.reason
    return enrollment.next_run_at, event.reason


@pytest.mark.parametrize(
    ("settings", "days"), [({}, 7), ({"ooo_delay_days": 3}, 3), ({"ooo_delay_days": 60}, 60)]
)
def test_undated_absence_delays_the_next_step_by_the_setting(uow, org_id, settings, days):
    enrollment = enrolled(uow, org_id, NOW + timedelta(days=1), **ALWAYS, **settings)
    next_run, reason = receive(uow, org_id, enrollment, absence(UNDATED))
    assert next_run == NOW + timedelta(days=days)  # every instant is allowed under ALWAYS
    assert f"no return date: next step delayed {days} days (template setting)" in reason


def test_the_delay_lands_in_the_next_send_window(uow, org_id):
    friday_evening = datetime(2027, 1, 8, 19, 30, tzinfo=UTC)
    enrollment = enrolled(uow, org_id, friday_evening + timedelta(hours=14), ooo_delay_days=1)
    next_run, _ = receive(uow, org_id, enrollment, absence(UNDATED, friday_evening), friday_evening)
    # Saturday 19:30 + weekdays 09:00-17:00 only: Monday morning at the window's opening.
    assert next_run == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def test_a_later_due_time_is_never_brought_forward(uow, org_id):
    later = NOW + timedelta(days=20)
    enrollment = enrolled(uow, org_id, later, **ALWAYS)
    next_run, reason = receive(uow, org_id, enrollment, absence(UNDATED))
    assert next_run == later
    assert "delayed 7 days" in reason


def test_zero_days_leaves_the_step_where_it_was(uow, org_id):
    due = NOW + timedelta(days=1)
    enrollment = enrolled(uow, org_id, due, **ALWAYS, ooo_delay_days=0)
    next_run, reason = receive(uow, org_id, enrollment, absence(UNDATED))
    assert next_run == due
    assert "next step delayed" not in reason


def test_a_stated_return_date_keeps_the_return_date_rule(uow, org_id):
    enrollment = enrolled(uow, org_id, NOW + timedelta(days=1), **ALWAYS, ooo_delay_days=3)
    next_run, reason = receive(uow, org_id, enrollment, absence(DATED))
    # Back on the 18th: held to the first window after that day, whatever the setting says.
    assert next_run == datetime(2027, 1, 19, 0, 0, tzinfo=UTC)
    assert "next step delayed" not in reason


@pytest.mark.parametrize("bad", [-1, 61, "seven"])
def test_the_setting_is_bounded(bad):
    with pytest.raises(ValueError, match="ooo_delay_days"):
        TemplateSettings.model_validate({"ooo_delay_days": bad})
