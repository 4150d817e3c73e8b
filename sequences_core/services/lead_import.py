"""Import a CSV of leads: every good row upserted in one transaction, every bad row reported."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sequences_core.db.models import Organization
from sequences_core.db.repository import as_uuid
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import NotFound
from sequences_core.lead_csv import ParsedRow, RowError, read_leads
from sequences_core.services.leads import upsert_leads

CHUNK = 5_000
Progress = Callable[[int, int], None]  # (rows done, rows total)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    lead_ids: list[uuid.UUID] = field(default_factory=list)


def import_leads_csv(
    uow: UnitOfWork,
    org_id: uuid.UUID | str,
    data: bytes,
    *,
    encoding: str = "utf-8",
    overrides: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Raises CsvFatal (nothing imported) when the file as a whole is unusable."""
    org = as_uuid(org_id, "org")
    if uow.session.get(Organization, org) is None:
        raise NotFound("organization not found")
    report = ImportReport()
    good: list[ParsedRow] = []
    for item in read_leads(data, encoding=encoding, overrides=overrides):
        report.rows += 1
        if isinstance(item, RowError):
            report.errors.append(item)
        else:
            good.append(item)
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        result = upsert_leads(uow, org, [row.lead for row in chunk], commit=False)
        report.created += result.created
        report.updated += result.updated
        report.lead_ids.extend(result.ids[row.lead.email.lower()] for row in chunk)
        if progress:
            progress(start + len(chunk), len(good))
    uow.commit()
    return report
