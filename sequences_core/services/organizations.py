"""Tenants and their API keys."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from sequences_core import api_keys
from sequences_core.clock import utcnow
from sequences_core.db.models import ApiKey, Organization
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput
from sequences_core.schemas import check_timezone


@dataclass(frozen=True)
class CreatedOrganization:
    organization: Organization
    api_key: str  # plaintext, shown once


def _slug(uow: UnitOfWork, name: str, wanted: str | None) -> str:
    base = wanted or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "org"
    taken = set(
        uow.session.scalars(select(Organization.slug).where(Organization.slug.like(f"{base}%")))
    )
    if wanted and wanted in taken:
        raise InvalidInput("Slug taken", {"slug": f"{wanted!r} is already used"})
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def issue_api_key(uow: UnitOfWork, org_id: uuid.UUID, name: str = "default") -> str:
    key = api_keys.generate()
    uow.session.add(
        ApiKey(organization_id=org_id, name=name, prefix=key.prefix, key_hash=key.key_hash)
    )
    uow.session.flush()
    return key.plaintext


def create_organization(
    uow: UnitOfWork, name: str, *, timezone: str = "UTC", slug: str | None = None
) -> CreatedOrganization:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Bad name", {"name": "must be 1 to 200 characters"})
    try:
        check_timezone(timezone)
    except ValueError as err:
        raise InvalidInput("Bad time zone", {"timezone": str(err)}) from None
    org = Organization(name=name, slug=_slug(uow, name, slug), timezone=timezone)
    uow.session.add(org)
    uow.session.flush()
    plaintext = issue_api_key(uow, org.id)
    uow.commit()
    return CreatedOrganization(organization=org, api_key=plaintext)


def authenticate(uow: UnitOfWork, plaintext: str) -> uuid.UUID | None:
    """The organization an API key belongs to, or None (unknown, wrong or revoked)."""
    prefix = api_keys.prefix_of(plaintext)
    if prefix is None:
        return None
    key = uow.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None or not api_keys.matches(plaintext, key.key_hash):
        return None
    return key.organization_id


def revoke_api_key(uow: UnitOfWork, org_id: uuid.UUID, key_id: uuid.UUID | str) -> None:
    key = get_owned(uow.session, ApiKey, org_id, key_id, what="api_key")
    key.revoked_at = key.revoked_at or utcnow()
    uow.commit()
