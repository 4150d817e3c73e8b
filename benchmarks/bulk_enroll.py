"""Bulk-enrol 100,000 leads and import a 100,000-row CSV, beside a bare COPY of the same rows.

Targets (issue: Foundation): >= 20,000 enrollments/s and >= 10,000 CSV rows/s. Three runs, each on
a fresh database with its own COPY baseline; the run with the median import + enrol time is
reported, with the spread of all three.
"""

from __future__ import annotations

import io

from sqlalchemy import text

from benchmarks.fleet import median_run, row, spread
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


def measure(data: bytes) -> tuple[float, float, float]:
    """One run on a fresh database: seconds for the bare COPY, the CSV import, the enrol."""
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
    return baseline.seconds, csv_timer.seconds, enroll_timer.seconds


def main() -> None:
    data = make_csv(N)
    (copy, csv, enrol), runs = median_run(lambda _: measure(data), lambda r: r[1] + r[2])
    report(
        "bulk_enroll",
        [
            row("bare COPY of the CSV (baseline)", N / copy, "rows/s", rows=N),
            row(
                "CSV import (parse, validate, upsert)", N / csv, "rows/s",
                baseline=round(N / copy, 1), ratio=f"{copy / csv:.3f}",
                target=">= 10,000 rows/s", passed=N / csv >= 10_000, rows=N,
                runs=spread([N / r[1] for r in runs]),
            ),
            row(
                "bulk enrol", N / enrol, "rows/s", baseline=round(N / copy, 1),
                ratio=f"{copy / enrol:.3f}", target=">= 20,000 rows/s",
                passed=N / enrol >= 20_000, rows=N, runs=spread([N / r[2] for r in runs]),
            ),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
