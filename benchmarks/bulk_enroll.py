"""Bulk-enrol 100,000 leads and import a 100,000-row CSV, beside a bare COPY of the same rows.

Targets (issue: Foundation): >= 20,000 enrollments/s and >= 10,000 CSV rows/s.
"""

from __future__ import annotations

import io

from sqlalchemy import text

from benchmarks.harness import Timer, report, scratch_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.enrollments import bulk_enroll
from sequences_core.services.lead_import import import_leads_csv
from sequences_core.services.organizations import create_organization
from tests.factories import template_with_steps

N = 100_000


def make_csv(n: int) -> bytes:
    out = io.StringIO()
    out.write("Email,First Name,Last Name,Company,Time Zone,Country,Deal Size\n")
    zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London"]
    for i in range(n):
        out.write(
            f"lead{i}@bench{i % 97}.example.com,First{i},Last{i},Company {i % 1000},"
            f"{zones[i % 4]},{['DE', 'US', 'JP', 'GB'][i % 4]},{i % 50}k\n"
        )
    return out.getvalue().encode()


def main() -> None:
    data = make_csv(N)
    with scratch_engine("sequences_bench_bulk") as engine:
        baseline, csv_timer, enroll_timer = Timer(), Timer(), Timer()
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(
                "CREATE TEMP TABLE bare (email text, first text, last text, company text,"
                " tz text, country text, deal text)"
            )
            with baseline.run(), cur.copy("COPY bare FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
                copy.write(data)
            raw.commit()
        finally:
            raw.close()

        with UnitOfWork(engine) as uow:
            org = create_organization(uow, "Bench").organization.id
            template = template_with_steps(uow, org, steps=3)
            with csv_timer.run():
                imported = import_leads_csv(uow, org, data)
            assert imported.created == N and not imported.errors, imported.errors[:3]
            with enroll_timer.run():
                result = bulk_enroll(uow, org, template, imported.lead_ids)
            assert result.count == N
            count = uow.session.scalar(text("SELECT count(*) FROM sequence_enrollments"))
            assert count == N
    report(
        "bulk_enroll",
        [
            {
                "what": "bare COPY of the CSV (baseline)",
                "rows": N,
                "seconds": baseline.seconds,
                "rows_per_s": N / baseline.seconds,
                "target_per_s": "-",
            },
            {
                "what": "CSV import (parse, validate, upsert)",
                "rows": N,
                "seconds": csv_timer.seconds,
                "rows_per_s": N / csv_timer.seconds,
                "target_per_s": 10_000,
            },
            {
                "what": "bulk enrol",
                "rows": N,
                "seconds": enroll_timer.seconds,
                "rows_per_s": N / enroll_timer.seconds,
                "target_per_s": 20_000,
            },
        ],
    )


if __name__ == "__main__":
    main()
