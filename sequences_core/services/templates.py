"""Templates: create, edit, list and soft-delete."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select, update

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceEnrollment, SequenceTemplate
from sequences_core.db.pagination import Page, contains_pattern, paginate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import LIVE_ENROLLMENT_STATUSES, EnrollmentStatus
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.schemas import (
    TemplateCreate,
    TemplateSettings,
    TemplateUpdate,
    template_settings,
)
from sequences_core.services.retime import follow_new_rules, rules_changed


def create_template(uow: UnitOfWork, org_id: uuid.UUID, data: TemplateCreate) -> SequenceTemplate:
    template = SequenceTemplate(
        organization_id=org_id,
        name=data.name,
        description=data.description,
        category=data.category.value,
        settings=data.settings.model_dump(mode="json"),
    )
    uow.session.add(template)
    uow.session.flush()
    uow.commit()
    return template


def get_template(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    template_id: uuid.UUID | str,
    *,
    include_deleted: bool = False,
    for_update: bool = False,
) -> SequenceTemplate:
    template = get_owned(
        uow.session, SequenceTemplate, org_id, template_id, what="template", for_update=for_update
    )
    if template.deleted_at is not None and not include_deleted:
        raise NotFound("template not found")
    return template


def update_template(
    uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str, data: TemplateUpdate
) -> SequenceTemplate:
    """Change the fields given. New send rules (window, days, weekends, holidays, zone) also
    move the enrollments the old window had deferred (`retime`), in the same transaction."""
    template = get_template(uow, org_id, template_id, for_update=True)
    old = template_settings(template.settings)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if name == "name" and value is None:
            raise InvalidInput("Some fields are not valid", {"name": "may not be empty"})
        if name == "category":
            value = value.value if value is not None else "custom"
        elif name == "settings":
            value = (value or TemplateSettings()).model_dump(mode="json")
        setattr(template, name, value)
    new = template_settings(template.settings)
    if rules_changed(old, new):
        follow_new_rules(uow, template, old, new, utcnow())
    uow.session.flush()
    uow.commit()
    return template


def delete_template(uow: UnitOfWork, org_id: uuid.UUID, template_id: uuid.UUID | str) -> int:
    """Soft delete: history stays; live enrollments stop so nothing more is sent from it."""
    template = get_template(uow, org_id, template_id)
    now = utcnow()
    template.deleted_at = now
    stopped = uow.session.execute(
        update(SequenceEnrollment)
        .where(
            SequenceEnrollment.organization_id == org_id,
            SequenceEnrollment.template_id == template.id,
            SequenceEnrollment.status.in_(LIVE_ENROLLMENT_STATUSES),
        )
        .values(status=EnrollmentStatus.STOPPED.value, stopped_reason="template_deleted")
    )
    uow.commit()
    return int(stopped.rowcount)  # type: ignore[attr-defined]


def list_templates(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    category: str | None = None,
    q: str | None = None,
    include_deleted: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[SequenceTemplate]:
    """Newest first, keyset-paginated so pages stay stable while templates are added."""
    query = select(SequenceTemplate).where(SequenceTemplate.organization_id == org_id)
    if not include_deleted:
        query = query.where(SequenceTemplate.deleted_at.is_(None))
    if category:
        query = query.where(SequenceTemplate.category == category)
    if q:
        pattern = contains_pattern(q)
        query = query.where(
            or_(SequenceTemplate.name.ilike(pattern), SequenceTemplate.description.ilike(pattern))
        )
    return paginate(uow.session, query, SequenceTemplate, limit, cursor)
