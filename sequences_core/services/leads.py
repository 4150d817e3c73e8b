"""Leads: set-based upsert (COPY into a temp table, then one INSERT … ON CONFLICT)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from psycopg import Connection
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from sequences_core.db.models import Lead, SequenceEmailEvent
from sequences_core.db.pagination import Page, contains_pattern, paginate
from sequences_core.db.repository import get_owned
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import Conflict, InvalidInput
from sequences_core.schemas import (
    MAX_CUSTOM_BYTES,
    MAX_CUSTOM_FIELDS,
    LeadIn,
    LeadUpdate,
    custom_fields_problem,
)

_COLUMNS = ("email", "first_name", "last_name", "company", "title", "timezone", "country")

_JSON = msgspec.json.Encoder()  # ~10x the stdlib's speed on a lead's custom fields

_UPSERT = f"""
INSERT INTO leads (organization_id, {", ".join(_COLUMNS)}, custom_fields)
SELECT %(org)s, {", ".join(_COLUMNS)}, custom_fields FROM _lead_upsert ORDER BY ord
ON CONFLICT (organization_id, lower(email)) DO UPDATE SET
    {", ".join(f"{c} = COALESCE(EXCLUDED.{c}, leads.{c})" for c in _COLUMNS[1:])},
    custom_fields = leads.custom_fields || EXCLUDED.custom_fields,
    updated_at = now()
WHERE EXCLUDED.custom_fields = '{{}}'::jsonb OR (
    (SELECT count(*) FROM jsonb_object_keys(leads.custom_fields || EXCLUDED.custom_fields))
        <= {MAX_CUSTOM_FIELDS}
    AND octet_length((leads.custom_fields || EXCLUDED.custom_fields)::text) <= {MAX_CUSTOM_BYTES})
RETURNING id, lower(email), (xmax = 0)
"""
OVER_LIMITS = (
    f"with the custom fields already stored, this lead would have more than "
    f"{MAX_CUSTOM_FIELDS} of them or more than {MAX_CUSTOM_BYTES:,} bytes; remove some first "
    "(a null value removes a field)"
)


@dataclass(frozen=True)
class UpsertResult:
    ids: dict[str, uuid.UUID]  # lower-cased email → lead id
    created: int
    updated: int
    # Lower-cased emails of stored leads left unchanged: their custom fields merged with
    # the new ones would pass the limits (`OVER_LIMITS`).
    refused: frozenset[str] = frozenset()


def raw_connection(uow: UnitOfWork) -> Connection[tuple[object, ...]]:
    """The psycopg connection under the session, for COPY."""
    conn = uow.session.connection().connection.driver_connection
    assert isinstance(conn, Connection)
    return conn


def upsert_leads(
    uow: UnitOfWork, org_id: uuid.UUID, leads: Sequence[LeadIn], *, commit: bool = True
) -> UpsertResult:
    """Create or update by email (case-insensitive); for one email the last entry wins.

    Empty fields never erase what is stored; custom fields are merged, and a lead whose
    merged custom fields would pass the limits is left as it was (`refused`): each request
    is checked on its own, but a lead could otherwise grow without bound upsert by upsert.
    """
    latest: dict[str, LeadIn] = {}
    for lead in leads:
        latest[lead.email.lower()] = lead
    conn = raw_connection(uow)
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _lead_upsert (ord int, email text, first_name text,"
            " last_name text, company text, title text, timezone text, country text,"
            " custom_fields jsonb) ON COMMIT DELETE ROWS"
        )
        cur.execute("TRUNCATE _lead_upsert")
        with cur.copy(
            f"COPY _lead_upsert (ord, {', '.join(_COLUMNS)}, custom_fields) FROM STDIN"
        ) as copy:
            for ord_, lead in enumerate(latest.values()):
                custom = _JSON.encode(lead.custom_fields).decode()
                copy.write_row((ord_, *(getattr(lead, c) for c in _COLUMNS), custom))
        cur.execute(_UPSERT, {"org": org_id})
        rows = cur.fetchall()
    if commit:
        uow.commit()
    created = sum(1 for row in rows if row[2])
    ids: dict[str, uuid.UUID] = {str(row[1]): row[0] for row in rows}  # type: ignore[misc]
    return UpsertResult(
        ids=ids,
        created=created,
        updated=len(rows) - created,
        refused=frozenset(latest.keys() - ids.keys()),
    )


def get_lead(uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID | str) -> Lead:
    return get_owned(uow.session, Lead, org_id, lead_id, what="lead")


def create_or_update_lead(uow: UnitOfWork, org_id: uuid.UUID, data: LeadIn) -> tuple[Lead, bool]:
    """Upsert one lead by email; True when it was created."""
    result = upsert_leads(uow, org_id, [data])
    if result.refused:
        raise InvalidInput("Some fields are not valid", {"custom_fields": OVER_LIMITS})
    return get_lead(uow, org_id, result.ids[data.email.lower()]), bool(result.created)


def list_leads(
    uow: UnitOfWork,
    org_id: uuid.UUID,
    *,
    q: str | None = None,
    status: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Lead]:
    query = select(Lead).where(Lead.organization_id == org_id)
    if status:
        query = query.where(Lead.status == status)
    if q:
        pattern = contains_pattern(q)
        query = query.where(
            or_(
                Lead.email.ilike(pattern),
                Lead.first_name.ilike(pattern),
                Lead.last_name.ilike(pattern),
                Lead.company.ilike(pattern),
            )
        )
    return paginate(uow.session, query, Lead, limit, cursor)


def update_lead(
    uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID | str, data: LeadUpdate
) -> Lead:
    """Change only the fields given; custom fields merge (a null value removes that field).

    Merged custom fields past the limits are refused unless the change only removes some
    (older leads may hold more than today's limits allow)."""
    lead = get_owned(uow.session, Lead, org_id, lead_id, what="lead", for_update=True)
    if data.custom_fields is not None:
        merged = {**lead.custom_fields, **data.custom_fields}
        kept = {k: v for k, v in merged.items() if v is not None}
        adds = any(v is not None for v in data.custom_fields.values())
        if adds and custom_fields_problem(kept):
            raise InvalidInput("Some fields are not valid", {"custom_fields": OVER_LIMITS})
        lead.custom_fields = kept
    for name in data.model_fields_set - {"custom_fields"}:
        setattr(lead, name, getattr(data, name))
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict("another lead has this email", {"email": "already used"}) from None
    uow.commit()
    return lead


def delete_lead(uow: UnitOfWork, org_id: uuid.UUID, lead_id: uuid.UUID | str) -> None:
    """Delete a lead and its enrollments; its events stay, anonymised, in the metrics."""
    lead = get_owned(uow.session, Lead, org_id, lead_id, what="lead")
    uow.session.execute(
        update(SequenceEmailEvent)
        .where(SequenceEmailEvent.organization_id == org_id, SequenceEmailEvent.lead_id == lead.id)
        .values(lead_id=None, ip=None, user_agent=None, geo=None, raw=None)
    )
    uow.session.delete(lead)
    uow.commit()
