"""Import a CSV of leads: every good row upserted in one transaction, every bad row reported."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sequences_core.db.models import Organization
from sequences_core.db.repository import as_uuid
from sequences_core.db.uow import UnitOfWork
from sequences_core.errors import NotFound
from sequences_core.rules.lead_csv import ParsedRow, RowError, read_leads
from sequences_core.services.leads import OVER_LIMITS, UpsertResult, upsert_leads

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
    """Raises CsvFatal (nothing imported) when the file as a whole is unusable.

    Parsing and the database overlap: while PostgreSQL upserts one chunk (in a second
    thread, which alone uses the session meanwhile), the next chunk is parsed. It is still
    one transaction, committed at the end.
    """
    org = as_uuid(org_id, "org")
    if uow.session.get(Organization, org) is None:
        raise NotFound("organization not found")
    report = ImportReport()
    lines = max(data.count(b"\n") - 1, 1)  # the progress total: data lines, near enough
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lead-upsert") as pool:
        pending: tuple[list[ParsedRow], Future[UpsertResult]] | None = None

        def settle() -> None:
            """Wait for the chunk in flight and take in its result."""
            nonlocal pending
            if pending is not None:
                (chunk, future), pending = pending, None
                result = future.result()
                report.created += result.created
                report.updated += result.updated
                for row in chunk:
                    lead_id = result.ids.get(row.lead.email.lower())
                    if lead_id is None:  # refused: the merged custom fields pass the limits
                        report.errors.append(RowError(row.line, "custom_fields", OVER_LIMITS))
                    else:
                        report.lead_ids.append(lead_id)
                if progress:
                    progress(min(report.rows, lines), lines)

        def submit(chunk: list[ParsedRow]) -> None:
            nonlocal pending
            settle()
            leads = [row.lead for row in chunk]
            pending = chunk, pool.submit(upsert_leads, uow, org, leads, commit=False)

        chunk: list[ParsedRow] = []
        for item in read_leads(data, encoding=encoding, overrides=overrides):
            report.rows += 1
            if isinstance(item, RowError):
                report.errors.append(item)
                continue
            chunk.append(item)
            if len(chunk) == CHUNK:
                submit(chunk)
                chunk = []
        if chunk:
            submit(chunk)
        settle()
    report.errors.sort(key=lambda error: error.line)  # refusals come back a chunk late
    if progress:
        progress(report.rows, report.rows)
    uow.commit()
    return report
