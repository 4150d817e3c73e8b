"""Small builders for test data through the real services."""

from __future__ import annotations

import uuid
from typing import Any

from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import LeadIn, TemplateCreate
from sequences_core.services.leads import upsert_leads
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template


def template_with_steps(
    uow: UnitOfWork, org_id: uuid.UUID, *, steps: int = 2, **settings: Any
) -> uuid.UUID:
    template = create_template(
        uow,
        org_id,
        TemplateCreate.model_validate(
            {"name": "Outreach", "category": "cold_outreach", "settings": settings}
        ),
    )
    for i in range(steps):
        if i % 2:
            add_step(uow, org_id, template.id, "wait", {"days": 2})
        else:
            add_step(
                uow,
                org_id,
                template.id,
                "email",
                {"subject": f"Hello {i}", "html": "<p>Hi {{ first_name }}</p>"},
            )
    return template.id


def leads(
    uow: UnitOfWork, org_id: uuid.UUID, count: int, domain: str = "example.com"
) -> list[uuid.UUID]:
    result = upsert_leads(
        uow,
        org_id,
        [
            LeadIn(email=f"lead{i}@{domain}", first_name=f"Lead{i}", timezone="Europe/London")
            for i in range(count)
        ],
    )
    return [result.ids[f"lead{i}@{domain}"] for i in range(count)]
