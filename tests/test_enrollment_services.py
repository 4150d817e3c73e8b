"""The services behind the template-list actions, the enrollment modal and the lead
timeline, on real PostgreSQL; the built-in library against the seed's best practices."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from sequences_core.db.models import (
    Lead,
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStep,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.errors import NotFound
from sequences_core.library import LIBRARY
from sequences_core.rules.render import Renderer
from sequences_core.rules.step_graph import check_graph
from sequences_core.rules.template_sandbox import check_template
from sequences_core.schemas import LeadIn
from sequences_core.services import enrollments, steps, templates
from sequences_core.services.enrollment_plan import Start, enroll_as_planned, plan_enrollment
from sequences_core.services.enrollment_views import LeadFilter, select_leads, template_enrollments
from sequences_core.services.lead_timeline import lead_timeline
from sequences_core.services.leads import upsert_leads
from sequences_core.services.template_copy import (
    create_from_library,
    duplicate_template,
    library,
    restore_template,
)
from tests.factories import leads, template_with_steps

SAMPLE = {
    "first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines Ltd",
    "title": "Head of Sales", "email": "ada@example.com",
    "sender": {"name": "Sam", "email": "sam@acme.example"}, "unsubscribe_url": "https://u.example/x",
}  # fmt: skip


def _days_between_emails(entry_steps) -> list[int]:
    gaps, days, seen_email = [], 0, False
    for step in entry_steps:
        if step.type == "email":
            if seen_email:
                gaps.append(days)
            seen_email, days = True, 0
        elif step.type == "wait":
            days += step.config["days"] + step.config["business_days"]
    return gaps


@pytest.mark.parametrize("entry", library(), ids=lambda e: e.key)
def test_every_library_entry_follows_the_seeds_best_practices(entry):
    assert not check_graph(entry.steps).errors
    emails = [s for s in entry.steps if s.type == "email"]
    assert 3 <= len(emails) <= 5 if entry.key == "cold_outreach" else len(emails) >= 2
    assert all(3 <= gap <= 7 for gap in _days_between_emails(entry.steps)), entry.key
    window = entry.template.settings.send_window
    assert window.start.hour >= 9 and window.end.hour <= 17
    assert entry.template.settings.timezone is None  # so the lead's own zone decides
    if entry.template.category == "cold_outreach":
        assert not {1, 5} & set(window.days)  # no Monday, no Friday
    renderer = Renderer()
    for step in emails:
        for part in ("subject", "html", "text"):
            if step.config.get(part):
                check_template(step.config[part])
        assert "{{ unsubscribe_url }}" in step.config["html"]
        rendered = renderer.render(step.id, 1, step.config, SAMPLE)
        if step.config.get("subject"):
            assert len(rendered.subject) < 50, rendered.subject
        names = set(
            re.findall(r"{{\s*(\w+)", step.config["html"] + (step.config.get("subject") or ""))
        )
        assert names - {"first_name", "unsubscribe_url", "sender"}, "personalised beyond first name"
        assert "Lead" not in rendered.html  # no placeholder text left
    # a lead with nothing but an email still gets every email (defaults everywhere)
    bare = {
        "email": "x@example.com",
        "sender": {"name": "", "email": "s@e.x"},
        "unsubscribe_url": "#",
    }
    for step in emails:
        renderer.render(step.id, 1, step.config, bare)


def test_library_covers_the_four_categories():
    assert {e.template.category.value for e in library()} == {
        "cold_outreach", "nurture", "follow_up", "win_back",
    }  # fmt: skip
    assert set(LIBRARY) == {e.key for e in library()}


def test_create_from_library_duplicate_and_restore(uow, org_id, other_org_id):
    made = create_from_library(uow, org_id, "cold_outreach", "Q1 outreach")
    assert made.name == "Q1 outreach" and made.category == "cold_outreach"
    made_steps = steps.list_steps(uow, org_id, made.id)
    assert [s.type for s in made_steps] == [s.type for s in library()[0].steps]
    # a condition pointing at a later step: the copy's branch points at the copy's step
    target = made_steps[-1]
    cond = steps.add_step(uow, org_id, made.id, "condition", {
        "rules": {"all": [{"event": "opened", "step": str(made_steps[0].id)}]},
        "if_true": str(target.id), "if_false": "next",
    }, position=1)  # fmt: skip
    copy = duplicate_template(uow, org_id, made.id)
    assert copy.name == "Q1 outreach (copy)" and copy.id != made.id
    copied = steps.list_steps(uow, org_id, copy.id)
    assert len(copied) == len(made_steps) + 1
    copied_cond = copied[1]
    assert copied_cond.config["if_true"] == str(copied[-1].id) != str(target.id)
    assert copied_cond.config["rules"]["all"][0]["step"] == str(copied[0].id)
    assert str(cond.id) not in str([s.config for s in copied])
    assert {s.template_id for s in copied} == {copy.id}
    with pytest.raises(NotFound):
        duplicate_template(uow, other_org_id, made.id)
    with pytest.raises(NotFound):
        create_from_library(uow, org_id, "no_such_entry", None)
    templates.delete_template(uow, org_id, copy.id)
    with pytest.raises(NotFound):
        templates.get_template(uow, org_id, copy.id)
    with pytest.raises(NotFound):
        restore_template(uow, other_org_id, copy.id)
    restore_template(uow, org_id, copy.id)
    assert templates.get_template(uow, org_id, copy.id).deleted_at is None


def _mixed_leads(uow, org_id, other_org_id, template):
    """Five good leads and one of every kind bulk_enroll leaves out, plus one lacking a
    variable the steps need."""
    ids = leads(uow, org_id, 9)
    foreign = leads(uow, other_org_id, 1, domain="rival.com")[0]
    uow.session.add(Suppression(organization_id=org_id, email="lead5@example.com", reason="manual"))
    uow.session.execute(update(Lead).where(Lead.id == ids[6]).values(status="left_company"))
    uow.commit()
    enrollments.bulk_enroll(uow, org_id, template, [ids[7]])
    bare = upsert_leads(uow, org_id, [LeadIn(email="nocompany@example.com", first_name="N")])
    return [
        *ids[:5],
        ids[5],
        ids[6],
        ids[7],
        ids[0],
        foreign,
        "not-an-id",
        *list(bare.ids.values()),
    ]


@pytest.mark.parametrize("leave_out_missing", [False, True])
def test_the_dry_run_agrees_with_what_bulk_enroll_then_does(
    uow, org_id, other_org_id, leave_out_missing
):
    template = template_with_steps(uow, org_id, steps=1)
    steps.add_step(
        uow, org_id, template, "email", {"subject": "For {{ company }}", "html": "<p>x</p>"}
    )
    chosen = _mixed_leads(uow, org_id, other_org_id, template)
    plan = plan_enrollment(uow, org_id, template, chosen)
    assert plan.reasons() == Counter({
        "suppressed": 1, "lead_left_company": 1, "already_enrolled": 1,
        "duplicate_in_request": 1, "lead_not_found": 1, "invalid_id": 1,
    })  # fmt: skip
    assert len(plan.enrolled) == 6
    # the factory's leads have no company either: all six lack it at the second email
    assert set(plan.missing_reasons()) == {"missing_variable: company (step 2)"}
    before = uow.session.scalar(select(SequenceEnrollment.id).limit(1))
    assert before is not None  # the dry run wrote nothing new:
    assert len(list(uow.session.scalars(select(SequenceEnrollment.id)))) == 1
    done = enroll_as_planned(uow, org_id, template, chosen, leave_out_missing=leave_out_missing)
    expected = plan.reasons()
    if leave_out_missing:
        expected += plan.missing_reasons()
        assert done.count == len(plan.enrolled) - len(plan.missing)
    else:
        assert {uuid.UUID(lead) for lead, _ in done.pairs} == set(plan.enrolled)
    assert Counter(reason for _, reason in done.skipped) == expected


def test_leads_without_a_variable_are_found_per_step(uow, org_id):
    template = template_with_steps(uow, org_id, steps=1)
    steps.add_step(uow, org_id, template, "email", {"html": "<p>{{ plan }}</p>"})
    result = upsert_leads(uow, org_id, [
        LeadIn(email="a@x.com", custom_fields={"plan": "gold"}), LeadIn(email="b@x.com"),
    ])  # fmt: skip
    plan = plan_enrollment(uow, org_id, template, list(result.ids.values()))
    # step 1 needs first_name (the factory's), which neither has
    assert set(plan.missing.values()) == {"missing_variable: first_name (step 1)"}
    upsert_leads(uow, org_id, [
        LeadIn(email="a@x.com", first_name="A"), LeadIn(email="b@x.com", first_name="B"),
    ])  # fmt: skip
    plan = plan_enrollment(uow, org_id, template, list(result.ids.values()))
    assert plan.missing == {result.ids["b@x.com"]: "missing_variable: plan (step 2)"}


def test_start_at_a_wall_time_in_each_leads_zone_or_one_zone(uow, org_id):
    template = template_with_steps(uow, org_id)
    result = upsert_leads(uow, org_id, [
        LeadIn(email="ny@x.com", timezone="America/New_York"),
        LeadIn(email="tk@x.com", timezone="Asia/Tokyo"),
        LeadIn(email="none@x.com"),  # the organization's zone (UTC)
    ])  # fmt: skip
    wall = datetime(2026, 12, 10, 9, 0)
    enroll_as_planned(uow, org_id, template, list(result.ids.values()), start=Start(wall))
    starts = dict(uow.session.execute(
        select(SequenceEnrollment.lead_id, SequenceEnrollment.next_run_at)
    ).all())  # fmt: skip
    assert starts[result.ids["ny@x.com"]] == datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    assert starts[result.ids["tk@x.com"]] == datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
    assert starts[result.ids["none@x.com"]] == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    other = template_with_steps(uow, org_id)
    enroll_as_planned(
        uow, org_id, other, [result.ids["tk@x.com"]], start=Start(wall, "Europe/Berlin")
    )
    e = uow.session.scalars(
        select(SequenceEnrollment).where(SequenceEnrollment.template_id == other)
    ).one()
    assert e.next_run_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)


def test_lead_selection_by_company_custom_field_and_created_since(uow, org_id, other_org_id):
    result = upsert_leads(uow, org_id, [
        LeadIn(email="a@x.com", company="Acme", custom_fields={"tier": "gold"}),
        LeadIn(email="b@x.com", company="acme", custom_fields={"tier": "silver"}),
        LeadIn(email="c@x.com", company="Other"),
    ])  # fmt: skip
    leads(uow, other_org_id, 2, domain="x.com")
    ids = result.ids
    assert set(select_leads(uow, org_id, LeadFilter(company="ACME"))[0]) == {
        ids["a@x.com"],
        ids["b@x.com"],
    }
    assert select_leads(uow, org_id, LeadFilter(field_key="tier", field_value="gold"))[0] == [
        ids["a@x.com"]
    ]
    assert len(select_leads(uow, org_id, LeadFilter(field_key="tier"))[0]) == 2
    future = datetime.now(UTC) + timedelta(days=1)
    assert select_leads(uow, org_id, LeadFilter(created_since=future))[0] == []
    assert len(select_leads(uow, org_id, LeadFilter(q="x.com"))[0]) == 3


def test_template_enrollments_show_the_lead_zone_and_last_event(uow, org_id, other_org_id):
    template = template_with_steps(uow, org_id)
    ids = leads(uow, org_id, 3)
    done = enrollments.bulk_enroll(uow, org_id, template, ids)
    first = done.enrolled[ids[0]]
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    uow.session.execute(insert(SequenceEmailEvent), [
        {"organization_id": org_id, "enrollment_id": first, "lead_id": ids[0], "type": t,
         "occurred_at": at + timedelta(minutes=i)}
        for i, t in enumerate(["sent", "open", "click"])
    ])  # fmt: skip
    uow.commit()
    enrollments.set_enrollment_status(
        uow, org_id, first, enrollments.StatusAction.PAUSE, "vacation"
    )
    page = template_enrollments(uow, org_id, template, limit=2)
    assert len(page.rows) == 2 and page.next_cursor
    rest = template_enrollments(uow, org_id, template, limit=2, cursor=page.next_cursor)
    rows = {r.lead.id: r for r in page.rows + rest.rows}
    assert rows[ids[0]].last_event.type == "click" and rows[ids[1]].last_event is None
    assert rows[ids[0]].zone == "Europe/London"
    paused = template_enrollments(uow, org_id, template, status="paused", paused_reason="vac")
    assert [r.lead.id for r in paused.rows] == [ids[0]]
    with pytest.raises(NotFound):
        template_enrollments(uow, other_org_id, template)


def test_lead_timeline_holds_executions_events_tasks_and_the_schedule(uow, org_id, other_org_id):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    enrollment = enrollments.enroll_lead(uow, org_id, template, lead)
    step = uow.session.scalars(
        select(SequenceStep).where(SequenceStep.template_id == template)
    ).first()
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    execution = uuid.uuid4()
    uow.session.execute(insert(SequenceStepExecution), [{
        "id": execution, "organization_id": org_id, "enrollment_id": enrollment.id,
        "step_id": step.id, "step_position": 0, "step_type": "email", "status": "sent",
        "idempotency_key": "k1", "completed_at": at, "subject": "Hello 0",
    }, {
        "organization_id": org_id, "enrollment_id": enrollment.id, "step_id": step.id,
        "step_position": 0, "step_type": "webhook", "status": "failed", "attempt": 2,
        "idempotency_key": "k2", "completed_at": at + timedelta(hours=3),
        "error": "HTTP 503 from receiver", "detail": {"status": 503},
    }])  # fmt: skip
    uow.session.execute(insert(SequenceEmailEvent), [
        {"organization_id": org_id, "enrollment_id": enrollment.id, "execution_id": execution,
         "lead_id": lead, "type": "click", "occurred_at": at + timedelta(hours=1),
         "url": "https://acme.example/pricing", "device": "desktop", "client": "Chrome",
         "geo": {"country": "GB"}, "bot": True},
        {"organization_id": org_id, "enrollment_id": enrollment.id, "lead_id": lead,
         "type": "bounce", "occurred_at": at + timedelta(hours=2),
         "reason": "smtp; 550 5.1.1 user unknown"},
        {"organization_id": org_id, "enrollment_id": enrollment.id, "lead_id": lead,
         "type": "reply", "occurred_at": at + timedelta(hours=4),
         "classification": "interested", "reason": "asks for a call"},
    ])  # fmt: skip
    uow.commit()
    timeline = lead_timeline(uow, org_id, lead, at + timedelta(days=1))
    kinds = [(i.kind, i.what) for i in timeline.items]
    assert kinds == [("event", "reply"), ("execution", "webhook"), ("event", "bounce"),
                     ("event", "click"), ("execution", "email")]  # fmt: skip
    click = timeline.items[3]
    assert click.url.endswith("/pricing") and click.machine and click.template_name == "Outreach"
    assert timeline.items[2].status_code == "5.1.1"
    assert timeline.items[1].error == "HTTP 503 from receiver" and timeline.items[1].attempt == 2
    assert timeline.items[0].classification == "interested"
    [line] = timeline.enrollments
    assert line.schedule is not None and line.schedule.enrollment_id == enrollment.id
    assert timeline.zone == "Europe/London"
    with pytest.raises(NotFound):
        lead_timeline(uow, other_org_id, lead, at)
