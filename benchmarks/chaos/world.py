"""What a chaos run seeds: organizations with daily limits, mailboxes, a template each with a
window, two emails and a webhook step, and leads across time zones, some suppressed or
bounced before the run; and the checker's `Plan` of it, built from the same values."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select

from benchmarks.chaos.checker import Enrollment, Limit, Plan, PlannedStep, Window
from sequences_core.db.models import Lead, Mailbox, SequenceEnrollment, Suppression
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn, TemplateCreate
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.leads import upsert_leads
from sequences_core.services.organizations import create_organization
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template

ZONES = (
    "America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London",
    "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney",
)  # fmt: skip
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
START, END = time(9), time(17)
WEBHOOK_SECRET = "whsec_chaos_0123456789abcdef"  # a test double's
# Leads nothing may go to from the start, by why (cumulative shares of the leads drawn).
PRE_SUPPRESSED = {"unsubscribe": 0.02, "hard_bounce": 0.03, "do_not_contact": 0.035}


@dataclass(frozen=True)
class OrgShape:
    key: str  # the template key in subjects
    name: str
    zone: str
    org_limit: int
    template_limit: int
    mailbox_limits: tuple[int, int]


def shapes(leads: int) -> tuple[OrgShape, OrgShape]:
    """Limits that bind: each org's leads need about three local days at these rates."""
    per_org = leads // 2
    day = max(20, (2 * per_org) // 3)
    return (
        OrgShape("a", "Acme", "America/New_York", day, int(day * 0.8), (day // 2, day // 2)),
        OrgShape("b", "Globex", "Europe/Berlin", day, day, (int(day * 0.45), day // 2)),
    )


@dataclass
class World:
    plan: Plan
    org_ids: dict[str, uuid.UUID]  # template key -> organization id
    leads: dict[str, tuple[uuid.UUID, uuid.UUID]]  # address -> (org id, lead id)


def _template(uow: UnitOfWork, org: uuid.UUID, shape: OrgShape, hook_url: str) -> list[Any]:
    settings = {
        "send_window": {"start": "09:00", "end": "17:00", "days": sorted(WEEKDAYS)},
        "skip_weekends": True, "jitter_minutes": 10, "daily_limit": shape.template_limit,
        "thread_follow_ups": False, "tracking": {"opens": False, "clicks": False},
    }  # fmt: skip
    template = create_template(
        uow,
        org,
        TemplateCreate.model_validate({"name": f"Chaos {shape.key}", "settings": settings}),
    )
    hook = {"url": hook_url, "secret": WEBHOOK_SECRET, "on_failure": "continue",
            "max_attempts": 4, "body": '{"company": "{{ company }}"}'}  # fmt: skip
    steps = [
        ("email", {"subject": f"[chaos {shape.key} s0] Hello {{{{ first_name }}}}",
                   "html": "<p>Hi {{ first_name }}, a word from {{ company }}.</p>"}),
        ("webhook", hook),
        ("wait", {"hours": 20}),
        ("email", {"subject": f"[chaos {shape.key} s3] Following up, {{{{ first_name }}}}",
                   "html": "<p>Still there, {{ first_name }}?</p>"}),
    ]  # fmt: skip
    return [add_step(uow, org, template.id, kind, config) for kind, config in steps]


def seed(uow: UnitOfWork, leads: int, start: datetime, hook_url: str, rng: random.Random) -> World:
    enrollments: dict[str, Enrollment] = {}
    mailbox_limits: dict[str, Limit] = {}
    template_limits: dict[str, Limit] = {}
    org_limits: dict[str, Limit] = {}
    org_ids: dict[str, uuid.UUID] = {}
    lead_ids: dict[str, tuple[uuid.UUID, uuid.UUID]] = {}
    for shape in shapes(leads):
        org = create_organization(uow, shape.name, timezone=shape.zone).organization
        org.daily_limit = shape.org_limit
        org.settings = {**org.settings, "webhook_allow": ["127.0.0.1"]}
        boxes = [
            Mailbox(organization_id=org.id, from_email=f"rep{i}@{shape.key}.chaos.example",
                    from_name=f"Rep {i}", daily_limit=limit, timezone=shape.zone)
            for i, limit in enumerate(shape.mailbox_limits)
        ]  # fmt: skip
        uow.session.add_all(boxes)
        uow.commit()
        org_ids[shape.key] = org.id
        org_limits[org.id.hex] = Limit(shape.org_limit, shape.zone)
        template_limits[shape.key] = Limit(shape.template_limit, shape.zone)
        mailbox_limits.update({b.from_email: Limit(b.daily_limit, b.timezone) for b in boxes})
        steps = _template(uow, org.id, shape, hook_url)
        planned = tuple(
            PlannedStep(s.position, s.type, str(s.id)) for s in steps if s.type != "wait"
        )
        people = [
            LeadIn(email=f"{shape.key}{i}@lead{i % 97}.example", first_name=f"P{i}",
                   company=f"Co {i % 13}", timezone=ZONES[i % len(ZONES)])
            for i in range(leads // 2)
        ]  # fmt: skip
        ids = upsert_leads(uow, org.id, people).ids
        template_id = steps[0].template_id
        for half, box in enumerate(boxes):
            bulk_enroll(uow, org.id, template_id, [ids[p.email] for p in people[half::2]],
                        mailbox_id=box.id, start_at=start)  # fmt: skip
        before = datetime.min.replace(tzinfo=UTC)
        for person in people:
            address = person.email.lower()
            lead_ids[address] = (org.id, ids[person.email])
            window = Window(person.timezone or "UTC", START, END, WEEKDAYS)
            suppressed = None
            draw = rng.random()
            for reason, share in PRE_SUPPRESSED.items():
                if draw < share:
                    suppressed = before
                    if reason == "do_not_contact":
                        uow.session.get_one(Lead, ids[person.email]).status = reason
                    else:
                        row = Suppression(organization_id=org.id, email=address,
                                          reason=reason, source="chaos seed")  # fmt: skip
                        uow.session.add(row)
                    break
            enrollments[address] = Enrollment(
                address, "", org.id.hex, shape.key, window, planned, suppressed
            )
        uow.commit()
    ids_by_lead = {
        lead: str(enrollment)
        for lead, enrollment in uow.session.execute(
            select(Lead.email, SequenceEnrollment.id).join(
                SequenceEnrollment, SequenceEnrollment.lead_id == Lead.id
            )
        )
    }
    for address, e in enrollments.items():
        enrollments[address] = Enrollment(
            e.lead, ids_by_lead[address], e.organization_id, e.template, e.window, e.steps,
            e.suppressed_from,
        )  # fmt: skip
    plan = Plan(enrollments, mailbox_limits, template_limits, org_limits)
    return World(plan, org_ids, lead_ids)
