"""The claim's cost at 10,000 / 100,000 / 1,000,000 enrollments, 1,000 of them due each time.

The promise: claiming costs what is due, not what exists (the partial index on `next_run_at`
for active enrollments). One table grows from 10k to 1M rows (INSERT ... SELECT
generate_series; a third completed, the rest active and due later, as a live table has them),
1,000 due throughout; at each size, after ANALYZE, the engine's own claim (`loop.claim`, LIMIT
1,000, FOR UPDATE SKIP LOCKED, rolled back) runs CLAIMS times and the median is reported.
Targets: each claim < 50 ms; flat: the 1M claim <= 1.5x the 10k one.

Then, for how shards map to workers: with 100,000 of the 1M due, the claim of a batch (500,
the DAG's default) on hash shard 0 of 1, 8 and 64 (`DispatchScope.shard`, what each mapped
`send_batch` claims with). The shard filter is not indexed: a shard's claim walks the due
index past the other shards' rows, about `shards` x the batch. Reported, not judged.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from benchmarks.fleet import row, seed_due
from benchmarks.harness import report, scratch_engine
from sequences_core.db.uow import UnitOfWork
from sequences_core.services.dispatch import DispatchScope
from sequences_core.services.dispatch.loop import claim

SIZES = (10_000, 100_000, 1_000_000)
DUE = 1_000
CLAIMS = int(os.environ.get("BENCH_CLAIMS", "9"))
SHARD_DUE, SHARD_BATCH, SHARD_COUNTS = 100_000, 500, (1, 8, 64)
MORE_DUE = """
UPDATE sequence_enrollments SET next_run_at = now() - interval '2 minutes'
WHERE id IN (SELECT id FROM sequence_enrollments WHERE status = 'active'
             AND next_run_at > now() LIMIT :n)
"""
GROW = """
INSERT INTO sequence_enrollments (organization_id, lead_id, template_id, status, next_run_at)
SELECT e.organization_id, e.lead_id, e.template_id,
    CASE WHEN g % 3 = 0 THEN 'completed' ELSE 'active' END,
    CASE WHEN g % 3 = 0 THEN NULL ELSE now() + (g || ' minutes')::interval END
FROM generate_series(CAST(:start AS int), CAST(:stop AS int)) g,
    (SELECT organization_id, lead_id, template_id FROM sequence_enrollments LIMIT 1) e
"""


def grow(engine: Engine, have: int, size: int) -> None:
    """Add not-due enrollments until the table holds `size` (the one lead enrolled again and
    again: the live-enrollment uniqueness is dropped, nothing here reads leads)."""
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS uq_sequence_enrollments_live_lead_template"))
        conn.execute(text(GROW), {"start": have + 1, "stop": size})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE sequence_enrollments")
        )
    print(f"  {size:,} enrollments ({time.perf_counter() - start:,.1f} s to add)", flush=True)


def claim_ms(engine: Engine, limit: int = DUE, scope: DispatchScope | None = None) -> float:
    """The median claim of `limit`, in ms (each rolled back: the next finds the same rows)."""
    times = []
    for _ in range(CLAIMS):
        with UnitOfWork(engine) as uow:
            start = time.perf_counter()
            ids = claim(uow, datetime.now(UTC), limit, scope or DispatchScope(), ())
            times.append((time.perf_counter() - start) * 1000)
            uow.rollback()
        assert len(ids) == limit, len(ids)
    return statistics.median(times)


def by_shard(engine: Engine) -> list[dict[str, object]]:
    """A batch's claim on shard 0 of 1, 8, 64 with SHARD_DUE due."""
    with engine.begin() as conn:
        conn.execute(text(MORE_DUE), {"n": SHARD_DUE - DUE})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE sequence_enrollments")
        )
    rows = []
    for shards in SHARD_COUNTS:
        ms = claim_ms(engine, SHARD_BATCH, DispatchScope(shard=(0, shards)))
        print(f"  claim {SHARD_BATCH} on shard 0 of {shards}: {ms:.2f} ms", flush=True)
        rows.append(row(f"claim {SHARD_BATCH} of {SHARD_DUE:,} due, shard 0 of {shards}", ms,
                        "ms", enrollments=SIZES[-1]))  # fmt: skip
    return rows


def main() -> None:
    measured: dict[int, float] = {}
    with scratch_engine("sequences_bench_claim_scale") as engine:
        seed_due(engine, DUE, DUE)
        have = DUE
        for size in SIZES:
            grow(engine, have, size)
            have = size
            measured[size] = claim_ms(engine)
            print(f"  claim {DUE:,} of {size:,}: {measured[size]:.2f} ms", flush=True)
        sharded = by_shard(engine)
    first, last = measured[SIZES[0]], measured[SIZES[-1]]
    rows = [
        row(f"claim {DUE:,} due of {size:,} enrollments", ms, "ms",
            baseline=round(first, 3) if size != SIZES[0] else "-",
            ratio=f"{ms / first:.2f}" if size != SIZES[0] else "-",
            target="< 50 ms", passed=ms < 50, enrollments=size)
        for size, ms in measured.items()
    ]  # fmt: skip
    rows.append(
        row(f"flat: claim at 1M / claim at 10k ({DUE:,} due)", last / first, "x",
            baseline=f"{first:.2f} ms at 10k", ratio=f"{last / first:.2f}", target="<= 1.5x",
            passed=last / first <= 1.5)
    )  # fmt: skip
    report("claim_scale", rows + sharded)


if __name__ == "__main__":
    main()
