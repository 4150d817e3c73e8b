"""Tenants, their settings and their API keys; every change by an operator is audited."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from sequences_core.clock import utcnow
from sequences_core.db.models import ApiKey, Organization
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import Conflict, InvalidInput, NotFound
from sequences_core.operator_schemas import OrganizationUpdate
from sequences_core.rules import api_keys
from sequences_core.schemas import check_timezone
from sequences_core.services import audit

# Options kept in `organizations.settings` (JSON), with their defaults: `store_full_ip`
# (tracking keeps whole IPs), `webhook_allow` (internal hosts and networks webhook steps
# may call: `webhooks.guard.AllowList.parse` reads it).
SETTINGS: dict[str, Any] = {"store_full_ip": False, "webhook_allow": ()}


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


def issue_api_key(uow: UnitOfWork, org_id: uuid.UUID, name: str = "default") -> tuple[ApiKey, str]:
    """The stored key and its plaintext (never stored)."""
    key = api_keys.generate()
    row = ApiKey(organization_id=org_id, name=name, prefix=key.prefix, key_hash=key.key_hash)
    uow.session.add(row)
    uow.session.flush()
    return row, key.plaintext


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
    _, plaintext = issue_api_key(uow, org.id)
    uow.commit()
    return CreatedOrganization(organization=org, api_key=plaintext)


@dataclass(frozen=True)
class KeyOwner:
    organization_id: uuid.UUID
    key_id: uuid.UUID
    last_used_at: datetime | None


def authenticate(uow: UnitOfWork, plaintext: str) -> KeyOwner | None:
    """Whose API key this is, or None (unknown, wrong or revoked).

    Read from the database on every call, with no cache: a key revoked in one process is
    refused by every other at once.
    """
    prefix = api_keys.prefix_of(plaintext)
    if prefix is None:
        return None
    key = uow.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None or not api_keys.matches(plaintext, key.key_hash):
        return None
    return KeyOwner(key.organization_id, key.id, key.last_used_at)


KEY_USE_RESOLUTION = timedelta(minutes=1)


def touch_api_key(uow: UnitOfWork, key_id: uuid.UUID, now: datetime) -> None:
    """Record a key's use, at most once a minute (a write per request would cost more than
    the request)."""
    uow.session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - KEY_USE_RESOLUTION),
        )
        .values(last_used_at=now)
    )
    uow.commit()


def list_api_keys(uow: UnitOfWork, org_id: uuid.UUID) -> list[ApiKey]:
    """Every key, revoked ones too (newest first): the prefix says which is which."""
    return list(
        uow.session.scalars(
            select(ApiKey)
            .where(ApiKey.organization_id == org_id)
            .order_by(ApiKey.created_at.desc(), ApiKey.id)
        )
    )


def create_api_key(uow: UnitOfWork, org_id: uuid.UUID, name: str, actor: str) -> tuple[ApiKey, str]:
    """A new key and its plaintext, which is shown this once and never stored."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Bad name", {"name": "must be 1 to 200 characters"})
    key, plaintext = issue_api_key(uow, org_id, name)
    audit.record(uow, org_id, actor, "api_key.create", ("api_key", key.id), details={"name": name})
    uow.commit()
    return key, plaintext


def revoke_api_key(
    uow: UnitOfWork, org_id: uuid.UUID, key_id: uuid.UUID | str, actor: str
) -> ApiKey:
    """Revoke a key (idempotent): it answers 401 from the next request on."""
    key = get_owned(uow.session, ApiKey, org_id, key_id, what="api_key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(uow, org_id, actor, "api_key.revoke", ("api_key", key.id))
    uow.commit()
    return key


def list_organizations(uow: UnitOfWork) -> list[Organization]:
    """Every organization of the deployment, by name: what an operator may work in."""
    return list(
        uow.session.scalars(select(Organization).order_by(Organization.name, Organization.id))
    )


def get_organization(uow: UnitOfWork, org_id: uuid.UUID) -> Organization:
    found = uow.session.get(Organization, org_id)
    if found is None:
        raise NotFound("No such organization", {"organization": "not found"})
    return found


def update_organization(
    uow: UnitOfWork, org_id: uuid.UUID, data: OrganizationUpdate, actor: str
) -> Organization:
    org = get_organization(uow, org_id)
    changes = data.changes()
    before = {name: organization_field(org, name) for name in changes}
    for name, value in changes.items():
        if name in SETTINGS:
            org.settings = {**org.settings, name: value}
        else:
            setattr(org, name, value)
    if changes:
        audit.record(
            uow, org_id, actor, "organization.update", ("organization", org_id),
            details={"before": before, "after": changes},
        )  # fmt: skip
    uow.commit()
    return org


def organization_field(org: Organization, name: str) -> Any:
    """A column, or an option kept in the `settings` object (its default if never set)."""
    if name in SETTINGS:
        return org.settings.get(name, SETTINGS[name])
    return getattr(org, name)


def pause_organization(uow: UnitOfWork, org_id: uuid.UUID, reason: str, actor: str) -> Organization:
    """Hold every send of the organization (the dispatcher defers them) until resumed."""
    org = get_organization(uow, org_id)
    org.paused_reason = f"manual: {reason}"
    audit.record(uow, org_id, actor, "organization.pause", ("organization", org_id), reason=reason)
    uow.commit()
    return org


def resume_organization(
    uow: UnitOfWork, org_id: uuid.UUID, reason: str, actor: str, now: datetime
) -> Organization:
    """Lift a pause (the reputation guard's or an operator's); the guard counts from now."""
    org = get_organization(uow, org_id)
    if org.paused_reason is None:
        raise Conflict("The organization is not paused", {"status": "already active"})
    details = {"was": org.paused_reason}
    org.paused_reason, org.reputation_since = None, now
    audit.record(
        uow, org_id, actor, "organization.resume", ("organization", org_id),
        reason=reason, details=details,
    )  # fmt: skip
    uow.commit()
    return org
