"""Known data for the metrics and dashboard tests: a template (email, condition, email), its
enrollments, and executions and events written as the engine and the feeds write them, so
every count a test expects can be worked out by hand."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from sequences_core.db.models import (
    SequenceEmailEvent,
    SequenceEnrollment,
    SequenceStepExecution,
)
from sequences_core.db.uow import UnitOfWork
from sequences_core.schemas import TemplateCreate
from sequences_core.services.enrollments import enroll_lead
from sequences_core.services.steps import add_step
from sequences_core.services.templates import create_template
from tests.factories import leads

EMAIL = {"subject": "Hello {{ first_name }}", "html": "<p>Hi {{ first_name }}</p>"}


@dataclass(frozen=True)
class Sequence3:
    template_id: uuid.UUID
    steps: list[uuid.UUID]  # email, condition, email
    enrollments: list[uuid.UUID]
    leads: list[uuid.UUID]


def email_condition_email(
    uow: UnitOfWork, org_id: uuid.UUID, *, name: str = "Outreach", enrolled: int = 4,
    domain: str = "example.com",
) -> Sequence3:  # fmt: skip
    template = create_template(uow, org_id, TemplateCreate(name=name, category="cold_outreach"))
    steps = [
        add_step(uow, org_id, template.id, "email", {**EMAIL, "subject": "First"}).id,
        add_step(
            uow, org_id, template.id, "condition", {"rules": {"all": [{"event": "opened"}]}}
        ).id,
        add_step(uow, org_id, template.id, "email", {**EMAIL, "subject": "Second"}).id,
    ]
    lead_ids = leads(uow, org_id, enrolled, domain=domain)
    enrollments = [enroll_lead(uow, org_id, template.id, lead).id for lead in lead_ids]
    return Sequence3(template.id, steps, enrollments, lead_ids)


def set_status(uow: UnitOfWork, enrollment_id: uuid.UUID, status: str, reason: str | None = None):  # type: ignore[no-untyped-def]
    uow.session.execute(
        update(SequenceEnrollment)
        .where(SequenceEnrollment.id == enrollment_id)
        .values(status=status, paused_reason=reason)
    )
    uow.commit()


def execution(
    uow: UnitOfWork, org_id: uuid.UUID, enrollment_id: uuid.UUID, step_id: uuid.UUID,
    position: int, step_type: str = "email", status: str = "sent",
    at: datetime | None = None, **extra: Any,
) -> uuid.UUID:  # fmt: skip
    """An execution row as the dispatcher records it."""
    new = uuid.uuid4()
    uow.session.execute(
        insert(SequenceStepExecution).values(
            id=new,
            organization_id=org_id,
            enrollment_id=enrollment_id,
            step_id=step_id,
            step_position=position,
            step_type=step_type,
            status=status,
            idempotency_key=f"{enrollment_id}:{position}:{new}",
            completed_at=at,
            **extra,
        )
    )
    uow.commit()
    return new


def events(
    uow: UnitOfWork, org_id: uuid.UUID, enrollment_id: uuid.UUID | None,
    execution_id: uuid.UUID | None, kinds: Sequence[str], at: datetime,
    lead_id: uuid.UUID | None = None,
) -> None:  # fmt: skip
    """One event per kind, a minute apart; `bot:open` is a machine open."""
    rows = [
        {
            "organization_id": org_id,
            "enrollment_id": enrollment_id,
            "execution_id": execution_id,
            "lead_id": lead_id,
            "type": kind.removeprefix("bot:"),
            "bot": kind.startswith("bot:"),
            "occurred_at": at + timedelta(minutes=i),
        }
        for i, kind in enumerate(kinds)
    ]
    uow.session.execute(insert(SequenceEmailEvent), rows)
    uow.commit()


def sent_email(
    uow: UnitOfWork, org_id: uuid.UUID, seq: Sequence3, who: int, step: int,
    kinds: Sequence[str], at: datetime,
) -> uuid.UUID:  # fmt: skip
    """An email of step `step` (0 or 2) sent to enrollment `who`, then its events."""
    found = execution(uow, org_id, seq.enrollments[who], seq.steps[step], step, at=at)
    events(uow, org_id, seq.enrollments[who], found, ["sent", *kinds], at, seq.leads[who])
    return found


def decided(
    uow: UnitOfWork, org_id: uuid.UUID, seq: Sequence3, who: int, branch: str, at: datetime
) -> None:
    execution(
        uow, org_id, seq.enrollments[who], seq.steps[1], 1, "condition", "completed", at,
        detail={"result": branch == "if_true", "branch": branch, "target": "next", "seen": []},
    )  # fmt: skip
