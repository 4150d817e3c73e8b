"""Feedback rules on real PostgreSQL: reputation guard, unsubscribe, meeting booked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from sequences_core.db.models import Mailbox, Organization, SequenceEnrollment, Suppression
from sequences_core.schemas import LeadIn
from sequences_core.services.cycle import run_cycle
from sequences_core.services.feedback import meeting_booked, unsubscribe
from sequences_core.services.reputation import guard_reputation
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, context, email_step, enrol, mailbox, sequence

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def history(uow, org_id, box: Mailbox, sends: int, bounces: int, complaints: int = 0) -> None:
    """Sent executions with hard bounces / complaints, as the feedback cycle would leave them."""
    template = sequence(uow, org_id, [email_step("Hi")], **ALWAYS)
    [lead] = enrol(uow, org_id, template, [LeadIn(email=f"h{uuid.uuid4().hex[:6]}@x.example")], NOW)
    enrollment = uow.session.scalar(
        select(SequenceEnrollment.id).where(SequenceEnrollment.lead_id == lead)
    )
    uow.session.execute(
        text("""
        INSERT INTO sequence_step_executions (id, organization_id, enrollment_id, step_position,
            step_type, status, idempotency_key, completed_at, mailbox_id)
        SELECT gen_random_uuid(), :org, :enr, 0, 'email', 'sent', 'hist-' || g || '-' || :mb,
               :now - interval '1 hour', :mb FROM generate_series(1, :n) g"""),
        {"org": org_id, "enr": enrollment, "mb": box.id, "now": NOW, "n": sends},
    )
    for kind, count in (("bounce", bounces), ("complaint", complaints)):
        uow.session.execute(
            text("""
            INSERT INTO sequence_email_events (organization_id, execution_id, type, classification,
                occurred_at, dedupe_key)
            SELECT :org, id, CAST(:kind AS varchar), CASE WHEN CAST(:kind AS varchar) = 'bounce'
                   THEN 'bounce_hard' END, :now,
                   :kind || id FROM sequence_step_executions WHERE mailbox_id = :mb LIMIT :n"""),
            {"org": org_id, "mb": box.id, "kind": kind, "now": NOW, "n": count},
        )
    uow.commit()


def test_bounce_rate_at_five_percent_pauses_the_mailbox_and_sending_stops(
    uow, org_id, new_uow, tmp_path
):
    box = mailbox(uow, org_id)
    history(uow, org_id, box, sends=200, bounces=10)
    assert guard_reputation(uow, NOW)[0].startswith("mailbox dana@sender.example: reputation: 5.0%")
    uow.session.refresh(box)
    assert box.status == "paused" and "hard bounces" in box.paused_reason
    template = sequence(uow, org_id, [email_step("Hi")], **ALWAYS)
    enrol(uow, org_id, template, [LeadIn(email="next@x.example", first_name="N")], NOW)
    summary = run_cycle(new_uow, context(tmp_path, FakeClock(NOW))).dispatch
    assert (summary.sent, summary.deferred_paused) == (0, 1)


def test_below_the_thresholds_or_too_few_sends_changes_nothing(uow, org_id):
    box = mailbox(uow, org_id)
    history(uow, org_id, box, sends=200, bounces=9)
    assert guard_reputation(uow, NOW) == []
    other = Mailbox(organization_id=org_id, from_email="few@sender.example")
    uow.session.add(other)
    uow.commit()
    history(uow, org_id, other, sends=150, bounces=100)  # too few sends to judge the mailbox
    paused = guard_reputation(uow, NOW)
    assert paused and all(not p.startswith("mailbox few@") for p in paused)
    assert any(p.startswith("organization") for p in paused)  # but the org as a whole: 31 %


def test_complaints_at_a_tenth_of_a_percent_pause(uow, org_id):
    box = mailbox(uow, org_id)
    history(uow, org_id, box, sends=1000, bounces=0, complaints=1)
    paused = guard_reputation(uow, NOW)
    assert any("complaints" in p for p in paused)
    assert uow.session.get(Organization, org_id).paused_reason.startswith("reputation: 0.10%")


def test_unsubscribe_is_immediate_idempotent_and_covers_every_sequence(uow, org_id, other_org_id):
    mailbox(uow, org_id)
    first = sequence(uow, org_id, [email_step("A")], **ALWAYS)
    second = sequence(uow, org_id, [email_step("B")], **ALWAYS)
    [lead] = enrol(uow, org_id, first, [LeadIn(email="Ann@x.example")], NOW)
    enrol(uow, org_id, second, [LeadIn(email="ann@x.example")], NOW)
    assert unsubscribe(uow, org_id, lead, "link") is True
    assert unsubscribe(uow, org_id, lead, "link") is False  # idempotent
    assert unsubscribe(uow, other_org_id, lead, "link") is False  # not that org's lead
    statuses = set(uow.session.scalars(select(SequenceEnrollment.status)))
    assert statuses == {"unsubscribed"}
    assert uow.session.scalars(select(Suppression.reason)).all() == ["unsubscribe"]


def test_meeting_booked_pauses_where_the_template_asks(uow, org_id):
    mailbox(uow, org_id)
    pausing = sequence(uow, org_id, [email_step("A")], **ALWAYS)
    keeps_going = sequence(uow, org_id, [email_step("B")], pause_on_meeting=False, **ALWAYS)
    enrol(uow, org_id, pausing, [LeadIn(email="bo@x.example")], NOW)
    enrol(uow, org_id, keeps_going, [LeadIn(email="bo@x.example")], NOW)
    assert meeting_booked(uow, org_id, "BO@x.example", NOW + timedelta(days=2), "calendly") == 1
    assert meeting_booked(uow, org_id, "bo@x.example", NOW + timedelta(days=2), "calendly") == 0
    reasons = sorted(str(r) for r in uow.session.scalars(select(SequenceEnrollment.paused_reason)))
    assert reasons == ["None", "meeting_booked"]


def reply_from(sender: str, to: str, body: str = "Thanks, let's talk.") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Re: Hi\r\nMessage-ID: <r-{sender}-{to}>\r\n"
        f"Date: Mon, 01 Mar 2027 12:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()


def test_verp_reply_to_matches_a_reply_without_threading_headers(uow, org_id, new_uow, tmp_path):
    from sequences_core.services.feedback import apply_inbound

    box = mailbox(uow, org_id)
    box.reply_to = "replies+{execution}@sender.example"
    uow.commit()
    template = sequence(
        uow, org_id, [email_step("Hi"), ("wait", {"days": 2}), email_step("Again")], **ALWAYS
    )
    enrol(uow, org_id, template, [LeadIn(email="ann@lead.example", first_name="Ann")], NOW)
    run_cycle(new_uow, context(tmp_path, FakeClock(NOW)))
    sent = next(tmp_path.glob("*.eml")).read_text()
    reply_to = next(
        line.split(": ", 1)[1] for line in sent.splitlines() if line.startswith("Reply-To")
    )
    assert reply_to.startswith("replies+") and "{execution}" not in reply_to
    # The answer comes from another address of the lead's (an assistant, a forward).
    result = apply_inbound(uow, reply_from("ann.private@elsewhere.example", reply_to), NOW, "test")
    uow.commit()
    assert result.applied and result.enrollment_id is not None
    enrollment = uow.session.get(SequenceEnrollment, result.enrollment_id)
    uow.session.refresh(enrollment)
    assert (enrollment.status, enrollment.paused_reason) == ("paused", "replied")


def test_account_level_stop_pauses_colleagues_but_not_free_mail(uow, org_id):
    from sequences_core.services.feedback import apply_inbound

    mailbox(uow, org_id)
    template = sequence(uow, org_id, [email_step("Hi")], stop_account_on_reply=True, **ALWAYS)
    enrol(
        uow,
        org_id,
        template,
        [
            LeadIn(email=e)
            for e in (
                "ann@acme.example",
                "bob@acme.example",
                "cy@other.example",
                "dee@gmail.com",
                "eve@gmail.com",
            )
        ],
        NOW,
    )
    apply_inbound(uow, reply_from("ann@acme.example", "dana@sender.example"), NOW, "test")
    apply_inbound(uow, reply_from("dee@gmail.com", "dana@sender.example"), NOW, "test")
    uow.commit()
    from sequences_core.db.models import Lead

    state = {
        email: (status, reason)
        for email, status, reason in uow.session.execute(
            select(Lead.email, SequenceEnrollment.status, SequenceEnrollment.paused_reason).join(
                Lead
            )
        )
    }
    assert state["ann@acme.example"] == ("paused", "replied")
    assert state["bob@acme.example"] == ("paused", "account_replied: ann@acme.example")
    assert state["cy@other.example"] == ("active", None)
    assert state["dee@gmail.com"] == ("paused", "replied")
    assert state["eve@gmail.com"] == ("active", None)  # a shared free-mail domain is no account
