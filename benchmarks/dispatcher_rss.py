"""Peak RSS of one dispatcher process with 100,000 enrollments due (null sender).

A dispatcher must stream: batch after batch, never the whole due set in memory. One spawned
process (as Airflow starts a task) runs what the mapped `send_batch` task runs over 100k due
enrollments; it reports its own peak RSS (VmHWM from /proc/self/status; getrusage's ru_maxrss would
include the parent's RSS, carried over exec) at the end, and, as the baseline, its peak before
dispatching (interpreter, imports, engine connected). Three runs,
the enrollments made due again between them; the median is reported. Target: < 300 MB.
"""

from __future__ import annotations

import os

from benchmarks.fleet import median_run, rearm, row, run_dispatchers, seed_due, spread
from benchmarks.harness import report, scratch_engine

N = int(os.environ.get("BENCH_RSS_N", "100000"))
TARGET_MB = 300


def main() -> None:
    with scratch_engine("sequences_bench_rss") as engine:
        url = engine.url.render_as_string(hide_password=False)
        print(f"  seeding {N:,} due enrollments", flush=True)
        seed_due(engine, N, N)

        def measure(i: int) -> tuple[float, float, float]:
            if i:
                rearm(engine)
            (done,) = run_dispatchers(url, 1, {"BENCH_SENDER": "null"}, sharded=False)
            assert done.summary["sent"] == N, done.summary
            print(f"    peak {done.peak_rss_mb:,.0f} MB (idle {done.idle_rss_mb:,.0f} MB),"
                  f" {N / done.seconds:,.0f} emails/s", flush=True)  # fmt: skip
            return done.peak_rss_mb, done.idle_rss_mb, N / done.seconds

        (peak, idle, rate), runs = median_run(measure, lambda r: r[0])
    report(
        "dispatcher_rss",
        [
            row("dispatcher process before dispatching (baseline)", idle, "MB"),
            row(
                f"dispatcher peak RSS, {N:,} due, null sender", peak, "MB",
                baseline=round(idle, 1), ratio=f"{peak / idle:.2f}",
                target=f"< {TARGET_MB} MB", passed=peak < TARGET_MB,
                emails_per_s=round(rate), runs=spread([r[0] for r in runs]),
            ),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
