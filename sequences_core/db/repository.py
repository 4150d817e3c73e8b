"""Tenant-scoped lookups: every read by id goes through here, so another org's row is a 404."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from sequences_core.errors import InvalidInput, NotFound

M = TypeVar("M")


def as_uuid(value: uuid.UUID | str, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput("Not a valid id", {field: "must be a UUID"}) from None


def get_owned(
    session: Session,
    model: type[M],
    org_id: uuid.UUID,
    obj_id: uuid.UUID | str,
    *,
    what: str,
    for_update: bool = False,
    **filters: Any,
) -> M:
    query = select(model).where(
        model.id == as_uuid(obj_id, f"{what}_id"),  # type: ignore[attr-defined]
        model.organization_id == org_id,  # type: ignore[attr-defined]
    )
    for name, value in filters.items():
        query = query.where(getattr(model, name) == value)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"{what.replace('_', ' ')} not found")
    return found
