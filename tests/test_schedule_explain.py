"""`explain_enrollment`: when an enrollment's next email goes and why not now, on real
PostgreSQL, checked against what dispatch cycles then do."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from sequences_core.cli import main as sequences_cli
from sequences_core.db.models import (
    Lead,
    Organization,
    SendCounter,
    SequenceEnrollment,
    SequenceStepExecution,
    Suppression,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import CounterScope, ExecutionStatus
from sequences_core.errors import NotFound
from sequences_core.schemas import LeadIn
from sequences_core.services.cycle import run_cycle
from sequences_core.services.dispatch import DispatchContext
from sequences_core.services.enrollments import StatusAction, set_enrollment_status
from sequences_core.services.schedule_explain import (
    EnrollmentSchedule,
    ReasonCode,
    explain_enrollment,
)
from tests.api_support import API, Tenant
from tests.api_support import sequence as api_sequence
from tests.conftest import FakeClock
from tests.test_dispatch import ALWAYS, context, email_step, enrol, mailbox, sequence

TOKYO, BERLIN, NEW_YORK = "Asia/Tokyo", "Europe/Berlin", "America/New_York"
OFFICE_HOURS = {"jitter_minutes": 0}  # the defaults: 09:00-17:00, Monday to Friday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def lead(email: str, **details: str) -> LeadIn:
    return LeadIn(email=email, first_name="Pat", **details)


def enrolled(
    uow: UnitOfWork,
    org: uuid.UUID,
    person: LeadIn,
    start: datetime,
    steps: list | None = None,
    **settings: object,
) -> uuid.UUID:
    """One lead in a new template (one email step unless `steps`); its enrollment's id."""
    template = sequence(uow, org, steps or [email_step("Hello")], **settings)
    enrol(uow, org, template, [person], start)
    return uow.session.scalars(
        select(SequenceEnrollment.id).where(SequenceEnrollment.template_id == template)
    ).one()


def explained(
    new_uow: Callable[[], UnitOfWork], org: uuid.UUID, enrollment: uuid.UUID, now: datetime
) -> EnrollmentSchedule:
    with new_uow() as fresh:
        return explain_enrollment(fresh, org, enrollment, now)


def codes(schedule: EnrollmentSchedule) -> list[ReasonCode]:
    return [reason.code for reason in schedule.reasons]


def sent(new_uow: Callable[[], UnitOfWork], enrollment: uuid.UUID) -> int:
    with new_uow() as check:
        return check.session.scalar(
            select(func.count()).where(
                SequenceStepExecution.enrollment_id == enrollment,
                SequenceStepExecution.status == ExecutionStatus.SENT.value,
            )
        )


# --- scenarios: each sets one enrollment up, the clock at the moment to explain ------------

Scenario = Callable[
    [UnitOfWork, uuid.UUID, Callable[[], UnitOfWork], DispatchContext, FakeClock], uuid.UUID
]


def tokyo_night(uow, org, new_uow, ctx, clock) -> uuid.UUID:
    clock.current = utc(2026, 12, 15, 14)  # Tuesday 23:00 in Tokyo
    mailbox(uow, org)
    person = lead("aiko@lead.example", timezone=TOKYO, country="JP")
    return enrolled(uow, org, person, clock(), **OFFICE_HOURS)


def berlin_weekend(uow, org, new_uow, ctx, clock) -> uuid.UUID:
    clock.current = utc(2026, 12, 12, 10)  # Saturday 11:00 in Berlin
    mailbox(uow, org)
    person = lead("jonas@lead.example", timezone=BERLIN, country="DE")
    return enrolled(uow, org, person, clock(), **OFFICE_HOURS)


def german_christmas(uow, org, new_uow, ctx, clock) -> uuid.UUID:
    clock.current = utc(2026, 12, 24, 16)  # Christmas Eve 17:00 in Berlin, the window closed
    mailbox(uow, org)
    person = lead("lena@lead.example", timezone=BERLIN, country="DE")
    return enrolled(uow, org, person, clock(), **OFFICE_HOURS)


def wait_running(uow, org, new_uow, ctx, clock) -> uuid.UUID:
    clock.current = utc(2026, 12, 15, 10)
    mailbox(uow, org)
    steps = [email_step("Intro"), ("wait", {"days": 2}), email_step(None)]
    enrollment = enrolled(uow, org, lead("pat@lead.example"), clock(), steps, **ALWAYS)
    run_cycle(new_uow, ctx)  # the intro goes
    clock.advance(timedelta(hours=1))
    return enrollment


def mailbox_limit_spent(uow, org, new_uow, ctx, clock) -> uuid.UUID:
    """A mailbox in New York that may send one email a day has sent it; a lead enrolled since."""
    clock.current = utc(2026, 12, 15, 15)  # 10:00 in New York
    mailbox(uow, org, daily_limit=1, tz=NEW_YORK)
    template = sequence(uow, org, [email_step("Hello")], **ALWAYS)
    enrol(uow, org, template, [lead("first@lead.example")], clock())
    run_cycle(new_uow, ctx)
    enrol(uow, org, template, [lead("second@lead.example")], clock())
    return uow.session.scalars(
        select(SequenceEnrollment.id)
        .join(Lead, Lead.id == SequenceEnrollment.lead_id)
        .where(Lead.email == "second@lead.example")
    ).one()


def warmup_and_org_limits(uow, org, new_uow, ctx, clock) -> uuid.UUID:
    """A warming-up Tokyo mailbox (1 today) and the org's cap of 3 (UTC days), both spent."""
    clock.current = utc(2026, 12, 15, 10)  # 19:00 in Tokyo
    box = mailbox(uow, org, daily_limit=50, tz=TOKYO)
    box.warmup = {
        "start_date": "2026-12-15",
        "start_per_day": 1,
        "increase_per_day": 0,
    }
    uow.session.get_one(Organization, org).daily_limit = 3
    uow.session.add_all(
        [
            SendCounter(
                organization_id=org,
                scope=CounterScope.MAILBOX.value,
                scope_id=box.id,
                day=date(2026, 12, 15),
                sent=1,
            ),
            SendCounter(
                organization_id=org,
                scope=CounterScope.ORGANIZATION.value,
                scope_id=org,
                day=date(2026, 12, 15),
                sent=3,
            ),
        ]
    )
    uow.commit()
    return enrolled(uow, org, lead("kim@lead.example"), clock(), **ALWAYS)


# --- each reason ---------------------------------------------------------------------------


@dataclass
class Explained:
    enrollment: uuid.UUID
    clock: FakeClock
    ctx: DispatchContext
    schedule: EnrollmentSchedule


@pytest.fixture
def setup(uow, org_id, new_uow, tmp_path):  # type: ignore[no-untyped-def]
    """Runs a scenario; answers its enrollment, clock, dispatch context and the explanation."""
    clock = FakeClock(utc(2026, 12, 1))
    ctx = context(tmp_path, clock)

    def run(scenario: Scenario) -> Explained:
        enrollment = scenario(uow, org_id, new_uow, ctx, clock)
        return Explained(enrollment, clock, ctx, explained(new_uow, org_id, enrollment, clock()))

    return run


def test_a_wait_step_not_over(setup):
    schedule = setup(wait_running).schedule
    two_days_after = utc(2026, 12, 17, 10)
    assert codes(schedule) == [ReasonCode.WAIT]
    wait = schedule.reasons[0]
    assert wait.until is not None and wait.until.utc == two_days_after
    assert "wait step 1 (2 days)" in wait.message
    assert schedule.next_send_at is not None and schedule.next_send_at.utc == two_days_after
    assert schedule.next_run_at is not None and schedule.next_run_at.utc == two_days_after
    assert schedule.current_step is not None and schedule.current_step.position == 2
    assert schedule.next_email_step == schedule.current_step
    assert (schedule.status, schedule.blocked, schedule.jitter_minutes) == ("active", False, 0)


def test_outside_the_window_in_the_leads_zone(setup, new_uow, org_id):
    tokyo = setup(tokyo_night)
    schedule = tokyo.schedule
    assert (schedule.zone, schedule.zone_source, schedule.holiday_country) == (TOKYO, "lead", "JP")
    assert codes(schedule) == [ReasonCode.OUTSIDE_WINDOW]
    assert schedule.reasons[0].day == date(2026, 12, 15)  # Tuesday, Tokyo's calendar
    assert schedule.next_send_at is not None
    assert schedule.next_send_at.local == datetime(2026, 12, 16, 9, tzinfo=ZoneInfo(TOKYO))
    assert schedule.next_send_at.utc == utc(2026, 12, 16)

    early = explained(new_uow, org_id, tokyo.enrollment, utc(2026, 12, 15, 21))  # 06:00 Wednesday
    assert codes(early) == [ReasonCode.OUTSIDE_WINDOW]
    reason = early.reasons[0]
    assert reason.until is not None and reason.until.utc == utc(2026, 12, 16)
    assert "06:00 in Asia/Tokyo is outside the send window 09:00-17:00" in reason.message


def test_a_weekend(setup):
    schedule = setup(berlin_weekend).schedule
    assert codes(schedule) == [ReasonCode.WEEKEND, ReasonCode.WEEKEND]
    assert [r.day for r in schedule.reasons] == [date(2026, 12, 12), date(2026, 12, 13)]
    assert schedule.next_send_at is not None
    assert schedule.next_send_at.local == datetime(2026, 12, 14, 9, tzinfo=ZoneInfo(BERLIN))


def test_a_public_holiday(setup):
    schedule = setup(german_christmas).schedule
    assert codes(schedule) == [
        ReasonCode.OUTSIDE_WINDOW,
        ReasonCode.HOLIDAY,
        ReasonCode.WEEKEND,
        ReasonCode.WEEKEND,
    ]
    christmas = schedule.reasons[1]
    assert (christmas.day, christmas.holiday, christmas.country) == (
        date(2026, 12, 25),
        "Christmas Day",
        "DE",
    )
    assert "Christmas Day (DE)" in christmas.message
    assert schedule.next_send_at is not None and schedule.next_send_at.utc == utc(2026, 12, 28, 8)


def test_the_zone_comes_from_the_lead_then_the_template_then_the_org(uow, org_id, new_uow):
    now = utc(2026, 12, 15, 10)
    mailbox(uow, org_id)
    from_template = enrolled(uow, org_id, lead("a@lead.example"), now, timezone=TOKYO)
    from_org = enrolled(uow, org_id, lead("b@lead.example"), now)
    first = explained(new_uow, org_id, from_template, now)
    second = explained(new_uow, org_id, from_org, now)
    assert (first.zone, first.zone_source) == (TOKYO, "template")
    assert (second.zone, second.zone_source) == ("UTC", "organization")


def test_the_mailboxs_daily_limit_spent_today(setup):
    schedule = setup(mailbox_limit_spent).schedule
    assert codes(schedule) == [ReasonCode.DAILY_LIMIT]
    limit = schedule.reasons[0].limit
    assert limit is not None
    assert (limit.scope, limit.used, limit.limit, limit.warmup) == (
        CounterScope.MAILBOX,
        1,
        1,
        False,
    )
    refill = utc(2026, 12, 16, 5)  # midnight in New York, the mailbox's zone
    assert (limit.refills_at.utc, limit.refills_at.zone) == (refill, NEW_YORK)
    assert "the daily limit of mailbox dana@sender.example is spent" in schedule.reasons[0].message
    assert schedule.next_send_at is not None and schedule.next_send_at.utc == refill
    assert schedule.jitter_minutes == 5


def test_a_limit_that_deferred_the_enrollment_is_still_named(setup, new_uow, org_id):
    """A cycle deferred it to the refill: the limit spent now is named beside its next run."""
    spent = setup(mailbox_limit_spent)
    run_cycle(new_uow, spent.ctx)
    later = spent.clock() + timedelta(hours=1)
    schedule = explained(new_uow, org_id, spent.enrollment, later)
    assert codes(schedule) == [ReasonCode.SCHEDULED, ReasonCode.DAILY_LIMIT]
    assert schedule.next_send_at is not None and schedule.next_send_at == schedule.next_run_at
    assert utc(2026, 12, 16, 5) <= schedule.next_send_at.utc <= utc(2026, 12, 16, 5, 5)


def test_a_warm_up_ramp_and_the_orgs_cap_each_named_until_both_refill(setup):
    schedule = setup(warmup_and_org_limits).schedule
    assert codes(schedule) == [ReasonCode.DAILY_LIMIT, ReasonCode.DAILY_LIMIT]
    mailbox_limit, org_limit = (r.limit for r in schedule.reasons)
    assert mailbox_limit is not None and org_limit is not None
    assert (mailbox_limit.scope, mailbox_limit.limit, mailbox_limit.warmup) == (
        CounterScope.MAILBOX,
        1,
        True,
    )
    assert "warm-up ramp" in schedule.reasons[0].message
    assert mailbox_limit.refills_at.utc == utc(2026, 12, 15, 15)  # Tokyo's midnight
    assert (org_limit.scope, org_limit.used, org_limit.limit) == (CounterScope.ORGANIZATION, 3, 3)
    # At Tokyo's midnight the org's (UTC) day is still spent: the email waits for both.
    assert schedule.next_send_at is not None and schedule.next_send_at.utc == utc(2026, 12, 16)


def test_a_paused_mailbox_and_a_paused_organization(uow, org_id, new_uow):
    now = utc(2026, 12, 15, 10)
    box = mailbox(uow, org_id)
    box.status, box.paused_reason = "paused", "hard bounces 6.1% over 7 days"
    uow.session.get_one(Organization, org_id).paused_reason = "reputation: complaints 0.2%"
    uow.commit()
    enrollment = enrolled(uow, org_id, lead("a@lead.example"), now, **ALWAYS)
    schedule = explained(new_uow, org_id, enrollment, now)
    assert codes(schedule) == [ReasonCode.MAILBOX_PAUSED, ReasonCode.ORGANIZATION_PAUSED]
    assert "hard bounces 6.1% over 7 days" in schedule.reasons[0].message
    assert "reputation: complaints 0.2%" in schedule.reasons[1].message
    assert schedule.blocked  # the time rules alone would let it go now
    assert schedule.next_send_at is not None and schedule.next_send_at.utc == now


def test_a_suppressed_lead_an_inactive_lead_and_a_paused_enrollment(uow, org_id, new_uow):
    now = utc(2026, 12, 15, 10)
    mailbox(uow, org_id)
    suppressed = enrolled(uow, org_id, lead("gone@lead.example"), now, **ALWAYS)
    left = enrolled(uow, org_id, lead("left@lead.example"), now, **ALWAYS)
    paused = enrolled(uow, org_id, lead("busy@lead.example"), now, **ALWAYS)
    uow.session.add(
        Suppression(organization_id=org_id, email="Gone@lead.example", reason="hard_bounce")
    )
    person = uow.session.scalars(select(Lead).where(Lead.email == "left@lead.example")).one()
    person.status = "left_company"
    uow.commit()
    set_enrollment_status(uow, org_id, paused, StatusAction.PAUSE, "replied")

    gone = explained(new_uow, org_id, suppressed, now)
    assert codes(gone) == [ReasonCode.SUPPRESSED] and gone.next_send_at is None
    assert "gone@lead.example is suppressed (hard_bounce)" in gone.reasons[0].message
    assert codes(explained(new_uow, org_id, left, now)) == [ReasonCode.LEAD_NOT_ACTIVE]
    held = explained(new_uow, org_id, paused, now)
    assert codes(held) == [ReasonCode.NOT_ACTIVE] and held.blocked
    assert "the enrollment is paused: replied" in held.reasons[0].message
    set_enrollment_status(uow, org_id, paused, StatusAction.STOP)
    stopped = explained(new_uow, org_id, paused, now)
    assert codes(stopped) == [ReasonCode.NOT_ACTIVE] and stopped.next_send_at is None


def test_another_organizations_enrollment_is_not_found(uow, org_id, other_org_id, new_uow):
    mailbox(uow, org_id)
    enrollment = enrolled(uow, org_id, lead("a@lead.example"), utc(2026, 12, 15))
    with pytest.raises(NotFound):
        explained(new_uow, other_org_id, enrollment, utc(2026, 12, 15))


# --- agreement with the engine -------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [
        tokyo_night,
        berlin_weekend,
        german_christmas,
        wait_running,
        mailbox_limit_spent,
        warmup_and_org_limits,
    ],
)
def test_dispatch_sends_at_the_explained_instant_and_not_before(
    scenario, uow, org_id, new_uow, tmp_path
):
    clock = FakeClock(utc(2026, 12, 1))
    ctx = context(tmp_path, clock)
    enrollment = scenario(uow, org_id, new_uow, ctx, clock)
    schedule = explained(new_uow, org_id, enrollment, clock())
    assert schedule.next_send_at is not None and not schedule.blocked
    before = sent(new_uow, enrollment)

    clock.current = schedule.next_send_at.utc - timedelta(seconds=1)
    run_cycle(new_uow, ctx)
    assert sent(new_uow, enrollment) == before

    clock.current = schedule.next_send_at.utc + timedelta(
        minutes=schedule.jitter_minutes, seconds=1
    )
    run_cycle(new_uow, ctx)
    assert sent(new_uow, enrollment) == before + 1


# --- the API -------------------------------------------------------------------------------


def test_the_api_explains_an_enrollment_to_its_own_organization_only(acme: Tenant, rival: Tenant):
    ids = api_sequence(acme, settings={"timezone": BERLIN, "holidays": "DE"})
    saturday = "2026-12-12T10:00:00Z"
    created = acme.post(
        f"{API}/enrollments",
        {"template_id": ids["template"], "lead_id": ids["lead"], "start_at": saturday},
    ).json
    path = f"{API}/enrollments/{created['id']}/schedule"

    answer = acme.get(path, query_string={"at": saturday})
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["zone"], body["zone_source"], body["holiday_country"]) == (
        BERLIN,
        "template",
        "DE",
    )
    assert body["next_send_at"] == {
        "utc": "2026-12-14T08:00:00Z",
        "local": "2026-12-14T09:00:00+01:00",
        "zone": BERLIN,
    }
    assert [(r["code"], r["day"]) for r in body["reasons"]] == [
        ("weekend", "2026-12-12"),
        ("weekend", "2026-12-13"),
    ]
    assert body["next_email_step"]["step_id"] == ids["step"]
    assert body["blocked"] is False and body["status"] == "active"

    assert rival.get(path).status_code == 404
    assert acme.get(f"{API}/enrollments/{uuid.uuid4()}/schedule").status_code == 404
    assert acme.get(f"{API}/enrollments/not-an-id/schedule").status_code == 422


# --- the command line ----------------------------------------------------------------------


def test_the_cli_explains_an_enrollment_of_the_given_organization(
    setup, db_url, org_id, other_org_id
):
    german = setup(german_christmas)
    runner = CliRunner(env={"SEQUENCES_DATABASE_URL": db_url})
    explain = ["schedule", "explain", "--at", "2026-12-24T16:00:00Z"]
    ours = [*explain, "--enrollment", str(german.enrollment), "--org", str(org_id)]

    text = runner.invoke(sequences_cli, ours)
    assert text.exit_code == 0, text.output
    assert "lead's zone: Europe/Berlin (from the lead), holidays of DE" in text.stdout
    assert "next email (step 0): Mon 2026-12-28 09:00 CET Europe/Berlin" in text.stdout
    assert (
        "  - holiday: Fri 2026-12-25 in Europe/Berlin: holiday: Christmas Day (DE)" in text.stdout
    )

    answer = json.loads(runner.invoke(sequences_cli, [*ours, "--json"]).stdout)
    assert answer["next_send_at"] == {
        "utc": "2026-12-28T08:00:00+00:00",
        "local": "2026-12-28T09:00:00+01:00",
        "zone": BERLIN,
    }
    assert [r["code"] for r in answer["reasons"]] == [
        "outside_window", "holiday", "weekend", "weekend"
    ]  # fmt: skip

    theirs = runner.invoke(sequences_cli, [*ours[:-1], str(other_org_id)])
    assert theirs.exit_code == 2 and "enrollment not found" in theirs.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --enrollment (with --org) or --tz"),
        (["--tz", BERLIN, "--enrollment", "x", "--org", "y"], "not both"),
        (["--enrollment", "x"], "--enrollment needs --org"),
        (["--enrollment", "x", "--org", "y", "--window", "08:00-12:00"], "--window go with --tz"),
        (["--tz", BERLIN, "--org", "y"], "--org goes with --enrollment"),
    ],
)
def test_the_cli_wants_an_enrollment_or_a_zone(args, message):
    result = CliRunner().invoke(sequences_cli, ["schedule", "explain", *args])
    assert result.exit_code == 2 and message in result.stderr


def test_the_cli_still_explains_rules_given_by_hand():
    result = CliRunner().invoke(
        sequences_cli,
        ["schedule", "explain", "--tz", BERLIN, "--country", "DE", "--at", "2026-12-24T16:00:00Z"],
    )
    assert result.exit_code == 0, result.output
    assert "2026-12-28 09:00:00 CET" in result.stdout


@pytest.mark.parametrize(
    ("step", "code"),
    [
        (("condition", {"rules": {"all": [{"event": "opened"}]}}), ReasonCode.CONDITION),
        (("webhook", {"url": "https://crm.example/hook", "secret": "s" * 20}), ReasonCode.WEBHOOK),
        (("task", {"title": "Call", "wait_until_done": True}), ReasonCode.TASK_HOLDS),
    ],
)
def test_a_step_before_the_email_that_decides_when_it_goes_is_named(
    uow, org_id, new_uow, step, code
):
    now = utc(2026, 12, 15, 10)
    mailbox(uow, org_id)
    steps = [step, ("email", {"subject": "Hi", "html": "<p>Hi</p>"})]
    enrollment = enrolled(uow, org_id, lead("c@lead.example"), now, steps=steps, **ALWAYS)
    schedule = explained(new_uow, org_id, enrollment, now)
    assert codes(schedule) == [code] and "step 0" in schedule.reasons[0].message
