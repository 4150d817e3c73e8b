"""Which Airflow users work in which organization's pages.

An empty table means one trust domain: every user who may open the pages works in every
organization (a fresh install, a single team). Once anyone is a member, each user sees only
their own organizations, and another organization's pages are a 404 for them, as another
tenant's id is in the REST API.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sequences_core.db.models import Organization, OrganizationMember
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import InvalidInput, NotFound
from sequences_core.services.audit import record
from sequences_core.services.organizations import get_organization, list_organizations

MAX_USER = 256


def organizations_for(uow: UnitOfWork, airflow_user: str) -> list[Organization]:
    """The organizations this user works in, by name."""
    if not uow.session.scalar(select(exists().select_from(OrganizationMember))):
        return list_organizations(uow)
    return list(
        uow.session.scalars(
            select(Organization)
            .join(OrganizationMember, OrganizationMember.organization_id == Organization.id)
            .where(OrganizationMember.airflow_user == airflow_user)
            .order_by(Organization.name, Organization.id)
        )
    )


def list_members(uow: UnitOfWork, org_id: uuid.UUID) -> list[str]:
    get_organization(uow, org_id)
    return list(
        uow.session.scalars(
            select(OrganizationMember.airflow_user)
            .where(OrganizationMember.organization_id == org_id)
            .order_by(OrganizationMember.airflow_user)
        )
    )


def _user(airflow_user: str) -> str:
    name = airflow_user.strip()
    if not name or len(name) > MAX_USER:
        raise InvalidInput(
            "Name the Airflow user", {"user": f"1 to {MAX_USER} characters, as Airflow shows it"}
        )
    return name


def add_member(uow: UnitOfWork, org_id: uuid.UUID, airflow_user: str, actor: str) -> None:
    get_organization(uow, org_id)
    name = _user(airflow_user)
    uow.session.execute(
        pg_insert(OrganizationMember)
        .values(organization_id=org_id, airflow_user=name)
        .on_conflict_do_nothing()
    )
    record(uow, org_id, actor, "member.add", ("member", name))
    uow.commit()


def remove_member(uow: UnitOfWork, org_id: uuid.UUID, airflow_user: str, actor: str) -> None:
    get_organization(uow, org_id)
    name = _user(airflow_user)
    gone = uow.session.execute(
        delete(OrganizationMember)
        .where(OrganizationMember.organization_id == org_id)
        .where(OrganizationMember.airflow_user == name)
        .returning(OrganizationMember.airflow_user)
    ).first()
    if gone is None:
        raise NotFound("Not a member", {"user": f"{name} is not a member of this organization"})
    record(uow, org_id, actor, "member.remove", ("member", name))
    uow.commit()
