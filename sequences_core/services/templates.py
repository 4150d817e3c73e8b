"""Templates: create, edit, list and soft-delete."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update

from sequences_core.clock import utcnow
from sequences_core.db.models import SequenceEnrollment, SequenceTemplate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.enums import LIVE_ENROLLMENT_STATUSES, EnrollmentStatus
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.schemas import TemplateCreate, TemplateSettings, TemplateUpdate


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
    template = get_template(uow, org_id, template_id)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if name == "name" and value is None:
            raise InvalidInput("Some fields are not valid", {"name": "may not be empty"})
        if name == "category":
            value = value.value if value is not None else "custom"
        elif name == "settings":
            value = (value or TemplateSettings()).model_dump(mode="json")
        setattr(template, name, value)
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


@dataclass(frozen=True)
class Page:
    items: list[SequenceTemplate]
    next_cursor: str | None


def _encode_cursor(created_at: datetime, template_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{template_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, ident = base64.urlsafe_b64decode(padded).decode().split("|")
        return datetime.fromisoformat(stamp), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("Bad cursor", {"cursor": "is not a cursor this API returned"}) from None


def list_templates(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    category: str | None = None,
    q: str | None = None,
    include_deleted: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Newest first, keyset-paginated so pages stay stable while templates are added."""
    if not 1 <= limit <= 200:
        raise InvalidInput("Bad limit", {"limit": "must be between 1 and 200"})
    query = select(SequenceTemplate).where(SequenceTemplate.organization_id == org_id)
    if not include_deleted:
        query = query.where(SequenceTemplate.deleted_at.is_(None))
    if category:
        query = query.where(SequenceTemplate.category == category)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(SequenceTemplate.name.ilike(pattern), SequenceTemplate.description.ilike(pattern))
        )
    if cursor:
        created, ident = _decode_cursor(cursor)
        query = query.where(
            or_(
                SequenceTemplate.created_at < created,
                and_(SequenceTemplate.created_at == created, SequenceTemplate.id < ident),
            )
        )
    query = query.order_by(SequenceTemplate.created_at.desc(), SequenceTemplate.id.desc())
    rows = list(uow.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = _encode_cursor(items[-1].created_at, items[-1].id) if more else None
    return Page(items=items, next_cursor=next_cursor)
