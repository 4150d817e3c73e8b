"""Every schema constraint that protects users rejects what it must, on real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from sequences_core.db.models import (
    CrmTask,
    Lead,
    Organization,
    SequenceEnrollment,
    SequenceStep,
    SequenceStepExecution,
    SequenceTemplate,
)
from sequences_core.db.uow import UnitOfWork
from tests.factories import leads, template_with_steps


def _insert_fails(uow: UnitOfWork, obj: object, constraint: str) -> None:
    uow.session.add(obj)
    with pytest.raises(IntegrityError) as info:
        uow.session.flush()
    assert constraint in str(info.value)
    uow.rollback()


def test_lead_email_unique_per_org_case_insensitively(uow, org_id, other_org_id):
    uow.session.add(Lead(organization_id=org_id, email="Ann@Example.com"))
    uow.commit()
    _insert_fails(
        uow, Lead(organization_id=org_id, email="ann@example.COM"), "uq_leads_org_email_ci"
    )
    uow.session.add(Lead(organization_id=other_org_id, email="ann@example.com"))
    uow.commit()  # another org may hold the same address


def test_lead_email_and_status_checked(uow, org_id):
    _insert_fails(uow, Lead(organization_id=org_id, email="no-at-sign"), "ck_leads_email_has_at")
    _insert_fails(
        uow, Lead(organization_id=org_id, email="a@b.c", status="vip"), "ck_leads_status_allowed"
    )


def test_one_live_enrollment_per_lead_and_template(uow, org_id):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    uow.session.add(SequenceEnrollment(organization_id=org_id, lead_id=lead, template_id=template))
    uow.commit()
    _insert_fails(
        uow,
        SequenceEnrollment(
            organization_id=org_id, lead_id=lead, template_id=template, status="paused"
        ),
        "uq_sequence_enrollments_live_lead_template",
    )
    # Finished enrollments do not hold the place: re-enrolling after completion is allowed.
    uow.session.execute(text("UPDATE sequence_enrollments SET status = 'completed'"))
    uow.session.add(SequenceEnrollment(organization_id=org_id, lead_id=lead, template_id=template))
    uow.session.add(
        SequenceEnrollment(
            organization_id=org_id, lead_id=lead, template_id=template, status="stopped"
        )
    )
    uow.commit()


def test_idempotency_key_unique(uow, org_id):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    enrollment = SequenceEnrollment(organization_id=org_id, lead_id=lead, template_id=template)
    uow.session.add(enrollment)
    uow.session.flush()

    def execution() -> SequenceStepExecution:
        return SequenceStepExecution(
            organization_id=org_id,
            enrollment_id=enrollment.id,
            step_position=0,
            step_type="email",
            idempotency_key="e:0:1",
        )

    uow.session.add(execution())
    uow.commit()
    _insert_fails(uow, execution(), "uq_sequence_step_executions_idempotency_key")


def test_step_positions_unique_per_template_at_commit(uow, org_id):
    template = template_with_steps(uow, org_id, steps=1)
    uow.session.add(
        SequenceStep(
            organization_id=org_id,
            template_id=template,
            position=0,
            type="wait",
            config={"days": 1},
        )
    )
    uow.session.flush()  # deferred: a reorder may pass through duplicates
    with pytest.raises(IntegrityError, match="uq_sequence_steps_template_id_position"):
        uow.commit()
    uow.rollback()


@pytest.mark.parametrize(
    ("model", "values", "constraint"),
    [
        (
            SequenceTemplate,
            {"name": "x", "category": "spam"},
            "ck_sequence_templates_category_allowed",
        ),
        (SequenceStep, {"position": 5, "type": "sms"}, "ck_sequence_steps_type_allowed"),
        (SequenceStep, {"position": -1, "type": "wait"}, "ck_sequence_steps_position_not_negative"),
        (SequenceEnrollment, {"status": "zombie"}, "ck_sequence_enrollments_status_allowed"),
        (CrmTask, {"title": "t", "status": "maybe"}, "ck_crm_tasks_status_allowed"),
    ],
)
def test_enum_like_columns_are_checked(uow, org_id, model, values, constraint):
    template = template_with_steps(uow, org_id, steps=1)
    [lead] = leads(uow, org_id, 1)
    extra = {
        SequenceStep: {"template_id": template},
        SequenceEnrollment: {"template_id": template, "lead_id": lead},
    }.get(model, {})
    _insert_fails(uow, model(organization_id=org_id, **values, **extra), constraint)


def test_foreign_keys_cascade_and_restrict(uow, org_id):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    uow.session.add(SequenceEnrollment(organization_id=org_id, lead_id=lead, template_id=template))
    uow.commit()
    # A template with enrollments cannot be hard-deleted: its history must stay.
    with pytest.raises(IntegrityError, match="fk_sequence_enrollments_template_id"):
        uow.session.execute(delete(SequenceTemplate).where(SequenceTemplate.id == template))
        uow.session.flush()
    uow.rollback()
    # Deleting a lead (e.g. a GDPR erasure) removes its enrollments with it.
    uow.session.execute(delete(Lead).where(Lead.id == lead))
    uow.commit()
    assert uow.session.scalar(select(SequenceEnrollment.id)) is None


def test_an_enrollment_takes_its_organizations_template_and_goes_with_the_organization(
    uow, org_id, other_org_id
):
    template = template_with_steps(uow, org_id)
    [lead] = leads(uow, org_id, 1)
    [rival_lead] = leads(uow, other_org_id, 1)
    # Another tenant's template is no template: the key covers organization and template.
    _insert_fails(
        uow,
        SequenceEnrollment(organization_id=other_org_id, lead_id=rival_lead, template_id=template),
        "fk_sequence_enrollments_template_id",
    )
    uow.session.add(SequenceEnrollment(organization_id=org_id, lead_id=lead, template_id=template))
    uow.commit()
    uow.session.execute(delete(Organization).where(Organization.id == org_id))
    uow.commit()
    assert uow.session.scalars(select(SequenceEnrollment.id)).all() == []
    assert uow.session.scalars(select(SequenceTemplate.id)).all() == []
    assert uow.session.scalars(select(Lead.id)).all() == [rival_lead]


def test_due_index_is_partial(engine):
    with engine.connect() as conn:
        definition = conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_sequence_enrollments_due'")
        )
    assert "(next_run_at)" in definition
    assert "WHERE ((status)::text = 'active'::text)" in definition


def test_every_table_carries_organization_id():
    from sequences_core.db.models import Base

    missing = [
        t.name
        for t in Base.metadata.sorted_tables
        if t.name != "organizations" and "organization_id" not in t.columns
    ]
    assert missing == []
