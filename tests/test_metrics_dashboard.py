"""A template's per-step metrics and the dashboard, on real PostgreSQL with events whose counts
are known: machine events kept apart, a funnel per step counting emails, a condition's
branches, the completion rate, 30 local days across a DST change; and their API fields."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sequences_core.db.models import Mailbox
from sequences_core.errors import NotFound
from sequences_core.services import dashboard as board
from sequences_core.services.metrics import metrics, template_metrics
from sequences_core.services.organizations import create_organization
from tests.api_support import API
from tests.metrics_support import (
    decided,
    email_condition_email,
    events,
    execution,
    sent_email,
    set_status,
)

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _known(uow, org_id):  # type: ignore[no-untyped-def]
    """Step 1: three emails (one opened twice by a person and once by a scanner, then
    clicked; one opened by a scanner only; one bounced); the condition decided yes twice and
    no once; step 3: one email, replied to. One of four enrollments completed."""
    seq = email_condition_email(uow, org_id)
    sent_email(uow, org_id, seq, 0, 0, ["delivered", "bot:open", "open", "open", "click"], AT)
    sent_email(uow, org_id, seq, 1, 0, ["delivered", "bot:open"], AT)
    sent_email(uow, org_id, seq, 2, 0, ["bounce"], AT)
    decided(uow, org_id, seq, 0, "if_true", AT)
    decided(uow, org_id, seq, 1, "if_true", AT)
    decided(uow, org_id, seq, 2, "if_false", AT)
    execution(uow, org_id, seq.enrollments[3], seq.steps[1], 1, "condition", "failed", AT)
    sent_email(uow, org_id, seq, 0, 2, ["delivered", "reply"], AT + timedelta(days=3))
    set_status(uow, seq.enrollments[0], "completed")
    return seq


def test_per_step_funnel_counts_emails_and_keeps_machine_opens_apart(uow, org_id):
    seq = _known(uow, org_id)
    found = template_metrics(uow, org_id, seq.template_id)
    first, condition, last = found.steps
    assert [first.position, condition.position, last.position] == [0, 1, 2]
    assert first.label == "Step 1 · email: First" and condition.type == "condition"
    assert (first.sent, first.delivered, first.opened, first.clicked, first.replied) == (
        3, 2, 1, 1, 0,
    )  # fmt: skip
    assert (first.bounced, first.machine_opens, first.open_events) == (1, 2, 2)
    assert first.rates.open_rate == round(1 / 3, 4) and first.rates.delivered_rate == 0.6667
    assert (last.sent, last.delivered, last.opened, last.replied) == (1, 1, 0, 1)
    assert last.rates.reply_rate == 1.0
    total = found.metrics
    assert (total.sent, total.unique_opens, total.opens, total.replies, total.bounces) == (
        4, 1, 2, 1, 1,
    )  # fmt: skip
    assert total.machine_events == 2 and total.rates.open_rate == 0.25


def test_condition_branches_and_completion_rate(uow, org_id):
    seq = _known(uow, org_id)
    found = template_metrics(uow, org_id, seq.template_id)
    condition = found.steps[1]
    assert (condition.if_true, condition.if_false) == (2, 1)
    assert (condition.executed, condition.failed) == (3, 1)
    assert found.steps[0].if_true == 0  # only conditions have branches
    assert (found.metrics.enrolled, found.metrics.completed) == (4, 1)
    assert found.metrics.rates.completion_rate == 0.25
    overall = metrics(uow, org_id).overall  # the organization's report carries it too
    assert overall.rates.completion_rate == 0.25
    assert overall.rates.complaint_rate == 0.0


def test_a_template_without_activity_lists_its_steps_with_zeros(uow, org_id):
    seq = email_condition_email(uow, org_id, enrolled=0)
    found = template_metrics(uow, org_id, seq.template_id)
    assert [s.sent + s.executed for s in found.steps] == [0, 0, 0]
    assert found.metrics.rates.completion_rate == 0.0


def test_deleted_steps_fold_into_one_entry_after_the_current_ones(uow, org_id):
    from sequences_core.services.steps import delete_step

    seq = _known(uow, org_id)
    for step in seq.steps[1:]:  # the condition and the last email
        delete_step(uow, org_id, step)
    uow.commit()
    first, deleted = template_metrics(uow, org_id, seq.template_id).steps
    assert (first.position, first.sent) == (0, 3)
    assert (deleted.step_id, deleted.label) == (None, "Deleted steps")
    assert (deleted.sent, deleted.replied, deleted.if_true, deleted.if_false) == (1, 1, 2, 1)
    assert (deleted.executed, deleted.failed) == (3 + 1, 1)  # both steps' executions


def test_another_organizations_template_is_not_found(uow, org_id, other_org_id):
    seq = email_condition_email(uow, org_id)
    with pytest.raises(NotFound):
        template_metrics(uow, other_org_id, seq.template_id)
    with pytest.raises(NotFound):
        template_metrics(uow, org_id, uuid.uuid4())


def test_thirty_local_days_across_the_dst_change(uow):
    """Berlin leaves summer time on 25 Oct 2026: that local day is 25 hours long, and the
    cards' today and week start at local midnights (Tuesday 10 Nov: the week from Monday)."""
    org_id = create_organization(uow, "Berlin", timezone="Europe/Berlin").organization.id
    seq = email_condition_email(uow, org_id)
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    send = [
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 25 Oct 00:30 CEST
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 25 Oct 23:30 CET: the same local day
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 26 Oct 00:30 CET
        datetime(2026, 11, 8, 22, 30, tzinfo=UTC),  # Sunday 8 Nov 23:30: before the week
        datetime(2026, 11, 9, 22, 30, tzinfo=UTC),  # Monday 9 Nov 23:30: this week
        datetime(2026, 11, 9, 23, 30, tzinfo=UTC),  # Tuesday 10 Nov 00:30: today
    ]
    for i, at in enumerate(send):
        sent_email(uow, org_id, seq, i % 4, 0, [], at)
    for at in (datetime(2026, 10, 11, 21, 59, tzinfo=UTC), datetime(2026, 10, 11, 22, tzinfo=UTC)):
        events(uow, org_id, seq.enrollments[0], None, ["reply"], at)  # 11 Oct 23:59; 12 Oct 00:00
    found = board.dashboard(uow, org_id, now)
    days = {d.day: d for d in found.daily}
    assert len(found.daily) == 30 and found.daily[-1].day == date(2026, 11, 10)
    assert found.daily[0].day == date(2026, 10, 12) and found.daily[0].replies == 1
    assert days[date(2026, 10, 25)].sent == 2 and days[date(2026, 10, 26)].sent == 1
    assert sum(d.sent for d in found.daily) == 6 and sum(d.replies for d in found.daily) == 1
    assert found.period_start == datetime(2026, 10, 11, 22, 0, tzinfo=UTC)
    assert (found.cards.sent_today, found.cards.sent_this_week, found.cards.sent) == (1, 2, 6)
    assert board.local_midnight(date(2026, 10, 26), "Europe/Berlin") - board.local_midnight(
        date(2026, 10, 25), "Europe/Berlin"
    ) == timedelta(hours=25)


def test_cards_exclude_machine_events_and_count_meetings(uow, org_id):
    seq = email_condition_email(uow, org_id)
    now = AT + timedelta(days=5)
    sent_email(uow, org_id, seq, 0, 0, ["bot:open", "bot:click", "open", "click", "click"], AT)
    sent_email(uow, org_id, seq, 1, 0, ["bot:open", "complaint"], AT)
    sent_email(uow, org_id, seq, 2, 0, ["reply", "bounce"], AT)
    sent_email(uow, org_id, seq, 3, 0, [], AT)
    events(uow, org_id, None, None, ["meeting_booked"], AT, seq.leads[2])
    set_status(uow, seq.enrollments[3], "paused", "reply")
    cards = board.dashboard(uow, org_id, now).cards
    assert (cards.sent, cards.open_rate, cards.click_rate, cards.reply_rate) == (
        4,
        0.25,
        0.25,
        0.25,
    )
    assert (cards.bounce_rate, cards.complaint_rate, cards.meetings) == (0.25, 0.25, 1)
    assert cards.machine_events == 3
    assert (cards.active_enrollments, cards.paused_enrollments) == (3, 1)


def test_attention_lists_pauses_missing_variables_and_failing_webhooks(uow, org_id):
    seq = email_condition_email(uow, org_id, name="Q4 <b>push</b>")
    now = AT + timedelta(days=1)
    uow.session.add(Mailbox(organization_id=org_id, from_email="dana@acme.example"))
    uow.commit()  # listed in the order they were added
    uow.session.add(
        Mailbox(organization_id=org_id, from_email="eve@acme.example", status="paused",
                paused_reason="reputation: 6.0% hard bounces over 300 sends in 7 days")
    )  # fmt: skip
    uow.commit()
    set_status(uow, seq.enrollments[0], "paused", "missing_variable: company")
    set_status(uow, seq.enrollments[1], "paused", "missing_variable: title")
    set_status(uow, seq.enrollments[2], "paused", "reply")
    calls = (
        (timedelta(hours=2), "failed"),
        (timedelta(hours=1), "unknown"),
        (timedelta(days=8), "failed"),  # before the window
        (timedelta(hours=3), "completed"),
    )
    for age, status in calls:
        execution(uow, org_id, seq.enrollments[3], seq.steps[1], 1, "webhook", status,
                  now - age, created_at=now - age, error=f"HTTP 500 after {age}")  # fmt: skip
    found = board.dashboard(uow, org_id, now).attention
    assert [(m.from_email, m.reason) for m in found.paused_mailboxes] == [
        ("eve@acme.example", "reputation: 6.0% hard bounces over 300 sends in 7 days")
    ]
    [missing] = found.missing_variables
    assert (missing.template_name, missing.enrollments) == ("Q4 <b>push</b>", 2)
    assert missing.example.startswith("missing_variable: ")
    [hook] = found.failing_webhooks
    assert (hook.position, hook.failures, hook.last_error) == (1, 2, "HTTP 500 after 1:00:00")
    assert [(g.kind, g.name, g.state) for g in found.guard] == [
        ("organization", "Acme Outbound", "few"),
        ("mailbox", "dana@acme.example", "few"),
        ("mailbox", "eve@acme.example", "paused"),
    ]
    assert found.count == 1 + 1 + 1  # the paused mailbox, one template, one webhook step


def test_attention_lists_emails_left_unknown_per_template_while_their_enrollment_runs(uow, org_id):
    """A dispatcher killed between its claim and the provider's answer leaves the email
    `unknown` and its enrollment paused: nothing settles it on its own but an SES event."""
    seq = email_condition_email(uow, org_id, name="Q4 <b>push</b>")
    other = email_condition_email(uow, org_id, name="Other", enrolled=2, domain="other.example")
    now = AT + timedelta(days=1)
    doubts = (
        (seq.enrollments[0], timedelta(days=20), "delivery unknown after a crash"),
        (seq.enrollments[1], timedelta(hours=1), "transport: read timeout"),
        (seq.enrollments[2], timedelta(hours=2), "ended since"),  # its enrollment stopped
        (other.enrollments[0], timedelta(hours=1), None),
    )
    for enrollment, age, error in doubts:
        step = other.steps[0] if enrollment in other.enrollments else seq.steps[0]
        execution(uow, org_id, enrollment, step, 0, "email", "unknown", None,
                  created_at=now - age, error=error)  # fmt: skip
        set_status(uow, enrollment, "paused", "delivery_unknown")
    set_status(uow, seq.enrollments[2], "stopped")
    execution(uow, org_id, other.enrollments[1], other.steps[0], 0, "email", "sent", now)
    found = board.dashboard(uow, org_id, now).attention
    assert [(u.template_name, u.emails, u.oldest, u.reason) for u in found.unknown_emails] == [
        ("Q4 <b>push</b>", 2, now - timedelta(days=20), "transport: read timeout"),
        ("Other", 1, now - timedelta(hours=1), None),
    ]
    assert found.count == 2 and found.failing_webhooks == []


def test_template_list_counts_the_period_per_live_template_of_this_org_only(
    uow, org_id, other_org_id
):
    """New York's 30 days up to Tuesday 10 Nov 2026 start at 12 Oct 00:00 EDT (04:00 UTC):
    an email sent a minute before is out. Scanners' opens count nowhere; the archived
    template and the other organization's sends are left out; a template without sends
    still shows, last."""
    from sequences_core.db.models import Organization
    from sequences_core.services.templates import delete_template

    uow.session.get_one(Organization, org_id).timezone = "America/New_York"
    uow.commit()
    now, edge = datetime(2026, 11, 10, 17, tzinfo=UTC), datetime(2026, 10, 12, 4, tzinfo=UTC)
    seq = email_condition_email(uow, org_id)
    sent_email(uow, org_id, seq, 0, 0, [], edge - timedelta(minutes=1))  # before the period
    sent_email(uow, org_id, seq, 0, 2, ["bot:open"], edge)
    sent_email(uow, org_id, seq, 1, 0, ["open", "open", "click", "reply"], AT)
    sent_email(uow, org_id, seq, 2, 0, ["bounce"], AT)
    sent_email(uow, org_id, seq, 3, 0, ["bot:open", "bot:click"], AT)
    set_status(uow, seq.enrollments[3], "paused", "reply")
    zeta = email_condition_email(uow, org_id, name="Zeta <b>", enrolled=2, domain="z.example")
    sent_email(uow, org_id, zeta, 0, 0, ["open"], AT)
    gone = email_condition_email(uow, org_id, name="Gone", enrolled=1, domain="g.example")
    sent_email(uow, org_id, gone, 0, 0, ["reply"], AT)
    delete_template(uow, org_id, gone.template_id)
    uow.commit()
    idle = email_condition_email(uow, org_id, name="Alpha", enrolled=0)
    rival = other_org_id
    theirs = email_condition_email(uow, rival, name="Rival", enrolled=1, domain="r.example")
    for _ in range(5):
        sent_email(uow, rival, theirs, 0, 0, ["reply", "bounce"], AT)
    found = board.dashboard(uow, org_id, now)
    assert found.period_start == edge
    rows = [
        (t.template_id, t.name, t.active_enrollments, t.sent, t.open_rate, t.reply_rate,
         t.bounce_rate)
        for t in found.templates
    ]  # fmt: skip
    assert rows == [
        (seq.template_id, "Outreach", 3, 4, 0.25, 0.25, 0.25),
        (zeta.template_id, "Zeta <b>", 2, 1, 1.0, 0.0, 0.0),
        (idle.template_id, "Alpha", 0, 0, 0.0, 0.0, 0.0),
    ]
    assert found.cards.sent == 4 + 1 + 1  # the same period; the cards count the archived one
    assert [t.name for t in board.templates(uow, org_id, edge, now, limit=2)] == [
        "Outreach", "Zeta <b>",
    ]  # fmt: skip
    [other] = board.dashboard(uow, rival, now).templates
    assert (other.name, other.sent, other.reply_rate, other.bounce_rate) == ("Rival", 5, 1, 1)


def test_guard_states_against_the_ses_lines():
    assert board.guard_state(1000, 0.0, 0.0, paused=True) == "paused"
    assert board.guard_state(199, 0.5, 0.5, paused=False) == "few"
    assert board.guard_state(200, 0.05, 0.0, paused=False) == "over"
    assert board.guard_state(200, 0.0, 0.001, paused=False) == "over"
    assert board.guard_state(200, 0.025, 0.0, paused=False) == "near"
    assert board.guard_state(200, 0.0, 0.0005, paused=False) == "near"
    assert board.guard_state(200, 0.024, 0.0004, paused=False) == "ok"


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.sampled_from(ZONES))
def test_local_days_are_23_to_25_hours_and_start_on_their_day(day, zone):
    from zoneinfo import ZoneInfo

    start, end = board.local_midnight(day, zone), board.local_midnight(day + timedelta(1), zone)
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)
    assert start.astimezone(ZoneInfo(zone)).date() == day


# --- the REST API ----------------------------------------------------------------------


def test_template_metrics_and_dashboard_api_fields(acme, rival, clean_db):
    from sequences_core.db.uow import UnitOfWork

    with UnitOfWork(clean_db) as uow:
        seq = _known(uow, acme.org_id)
    answer = acme.get(f"{API}/templates/{seq.template_id}/metrics")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["template_id"] == str(seq.template_id) and body["name"] == "Outreach"
    assert body["metrics"]["rates"]["completion_rate"] == 0.25
    first = body["steps"][0]
    assert {k: first[k] for k in ("sent", "delivered", "opened", "clicked", "replied")} == {
        "sent": 3, "delivered": 2, "opened": 1, "clicked": 1, "replied": 0,
    }  # fmt: skip
    assert first["machine_opens"] == 2 and first["rates"]["open_rate"] == 0.3333
    assert (body["steps"][1]["if_true"], body["steps"][1]["if_false"]) == (2, 1)
    assert rival.get(f"{API}/templates/{seq.template_id}/metrics").status_code == 404
    assert acme.get(f"{API}/templates/not-an-id/metrics").status_code in (404, 422)
    overall = acme.get(f"{API}/metrics").json["overall"]["rates"]
    assert overall["completion_rate"] == 0.25 and "open_rate" in overall  # added, none removed
    dash = acme.get(f"{API}/dashboard").json
    assert set(dash) == {"zone", "now", "period_start", "cards", "daily", "attention", "templates"}
    [row] = dash["templates"]
    assert (row["template_id"], row["name"], row["active_enrollments"]) == (
        str(seq.template_id), "Outreach", 3,
    )  # fmt: skip
    assert row["sent"] == dash["cards"]["sent"]  # its only template, over the same period
    assert {"reply_rate", "open_rate", "bounce_rate"} <= set(row)
    assert len(dash["daily"]) == 30 and dash["zone"] == "UTC"
    assert dash["cards"]["active_enrollments"] == 3 and "complaint_rate" in dash["cards"]
    assert {
        "guard",
        "paused_mailboxes",
        "missing_variables",
        "failing_webhooks",
        "count",
        "unknown_emails",
    } <= set(dash["attention"])
    assert rival.get(f"{API}/dashboard").json["cards"]["active_enrollments"] == 0


def test_a_lead_level_event_counts_for_each_of_its_templates_and_once_overall(uow, org_id):
    from sequences_core.services.enrollments import enroll_lead

    first = email_condition_email(uow, org_id, name="First", enrolled=2)
    second = email_condition_email(uow, org_id, name="Second", enrolled=0)
    enroll_lead(uow, org_id, second.template_id, first.leads[0])
    events(uow, org_id, None, None, ["meeting_booked"], AT, first.leads[0])  # the lead's
    sent_email(uow, org_id, first, 1, 0, ["reply"], AT)  # the other lead's, on its enrollment
    report = metrics(uow, org_id)
    mine, theirs = report.templates[first.template_id], report.templates[second.template_id]
    assert (mine.meetings, theirs.meetings, report.overall.meetings) == (1, 1, 1)
    assert (mine.replies, theirs.replies, report.overall.replies) == (1, 0, 1)
    assert template_metrics(uow, org_id, second.template_id).metrics.meetings == 1
