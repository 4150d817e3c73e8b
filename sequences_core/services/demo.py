"""A demo organization with a mailbox, a 4-step cold-outreach template and 50 leads.

Idempotent: a second run finds the demo org and tops up what is missing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from sequences_core.db.models import Lead, Mailbox, Organization, SequenceTemplate
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import StepType, TemplateCategory
from sequences_core.schemas import LeadIn, SendWindow, TemplateCreate, TemplateSettings
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.leads import upsert_leads
from sequences_core.services.mailboxes import claim_sender_domain
from sequences_core.services.organizations import create_organization
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template

DEMO_SLUG = "demo"
TEMPLATE_NAME = "Demo cold outreach"

# Spread around the globe so some leads are inside a 09:00-17:00 window at any hour.
ZONES = [
    ("America/Los_Angeles", "US"), ("America/Denver", "US"), ("America/New_York", "US"),
    ("America/Sao_Paulo", "BR"), ("Europe/London", "GB"), ("Europe/Berlin", "DE"),
    ("Europe/Paris", "FR"), ("Asia/Dubai", "AE"), ("Asia/Kolkata", "IN"),
    ("Asia/Singapore", "SG"), ("Asia/Tokyo", "JP"), ("Australia/Sydney", "AU"),
    ("Pacific/Auckland", "NZ"),
]  # fmt: skip
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Guido",
]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie"]

STEPS: list[tuple[StepType, dict[str, object]]] = [
    (StepType.EMAIL, {
        "subject": "Quick question about {{ company | default('your team') }}",
        "html": (
            "<p>Hi {{ first_name | default('there') }},</p>"
            "<p>Teams like {{ company | default('yours') }} use Sequences to run outreach "
            "that stops the moment a prospect answers. "
            "<a href=\"https://example.com/tour\">A two-minute tour</a> shows how.</p>"
            "<p>Worth a chat?</p><p>{{ sender.name }}</p>"
        ),
    }),
    (StepType.WAIT, {"business_days": 2}),
    (StepType.EMAIL, {
        "html": (
            "<p>Hi {{ first_name | default('there') }}, just bringing this back to the top "
            "of your inbox. <a href=\"https://example.com/case-study\">Here is how one team "
            "doubled its reply rate.</a></p><p>{{ sender.name }}</p>"
        ),
    }),
    (StepType.TASK, {"title": "Call {{ first_name | default('the lead') }} at {{ company }}",
                     "due_in_days": 1}),
]  # fmt: skip


@dataclass(frozen=True)
class DemoSeed:
    organization_id: uuid.UUID
    api_key: str | None  # only when the org was created by this run
    template_id: uuid.UUID
    leads: int
    enrolled: int


def demo_leads() -> list[LeadIn]:
    leads = []
    for i in range(50):
        zone, country = ZONES[i % len(ZONES)]
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        leads.append(
            LeadIn(
                email=f"{first}.{last}.{i}@demo-prospect.example".lower(),
                first_name=first,
                last_name=last,
                company=f"{last} Labs",
                timezone=zone,
                country=country,
                custom_fields={"lead_number": i},
            )
        )
    return leads


def seed_demo(uow: UnitOfWork, from_email: str = "demo@sequences.example") -> DemoSeed:
    org = uow.session.scalars(select(Organization).where(Organization.slug == DEMO_SLUG)).first()
    api_key = None
    if org is None:
        created = create_organization(uow, "Demo", timezone="UTC", slug=DEMO_SLUG)
        org, api_key = created.organization, created.api_key
    if not uow.session.scalar(select(func.count()).where(Mailbox.organization_id == org.id)):
        claim_sender_domain(uow, org.id, from_email)
        uow.session.add(
            Mailbox(
                organization_id=org.id,
                from_email=from_email,
                from_name="Dana from Sequences",
                daily_limit=500,
            )
        )
        uow.commit()
    template = uow.session.scalars(
        select(SequenceTemplate).where(
            SequenceTemplate.organization_id == org.id, SequenceTemplate.name == TEMPLATE_NAME
        )
    ).first()
    fresh = template is None
    if template is None:
        settings = TemplateSettings(send_window=SendWindow(), skip_weekends=True)
        template = create_template(
            uow, org.id,
            TemplateCreate(name=TEMPLATE_NAME, category=TemplateCategory.COLD_OUTREACH,
                           description="Intro, a threaded follow-up, then a call task.",
                           settings=settings),
        )  # fmt: skip
        for kind, config in STEPS:
            add_step(uow, org.id, template.id, kind.value, config)
    upserted = upsert_leads(uow, org.id, demo_leads())
    enrolled = 0
    if fresh:  # a rerun must not re-enrol leads that already finished the sequence
        enrolled = bulk_enroll(uow, org.id, template.id, list(upserted.ids.values())).count
    total = uow.session.scalar(select(func.count()).where(Lead.organization_id == org.id))
    return DemoSeed(org.id, api_key, template.id, int(total or 0), enrolled)
