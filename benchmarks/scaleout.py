"""Scale-out: 1, 2 and 4 dispatcher processes against one PostgreSQL, through the SES stand-in.

N due enrollments (the issue's figure is 200,000: `BENCH_SCALEOUT_N=200000`; `make bench`
runs 20,000 so that it ends in minutes on 2 cores), one email step each. For each process
count the enrollments are made due again and a fresh stand-in (no faults, `--no-fsync`:
nothing is killed here) records what it accepts; the dispatchers (spawned processes, each
running what the mapped `send_batch` task runs, on hash shard i of n, one send process each)
are released together. Per count:

- throughput: N / the slowest dispatcher's wall time;
- duplicates and losses, from the stand-in's record (one lead per enrollment, so a recipient
  recorded twice is a duplicate; one never recorded is lost), not from our tables;
- where the time goes: each dispatcher's CPU (user+sys), PostgreSQL's CPU (postmaster and
  every backend), the stand-in's CPU, as shares of the host's CPU time over the run; and what
  PostgreSQL's active backends were waiting on (pg_stat_activity sampled every 0.2 s: `CPU`
  is running, `Lock:*` a lock wait, `LWLock:*`/`IO:*` internal).

BENCH_RUNS runs per count (3 by default; the median run by throughput is reported). The
result is written as `scaleout_<N/1000>k`, so the 200k run and the bench's run both stay.
Target: 0 duplicates and 0 lost at every count; throughput is reported, not judged (2 cores).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fleet import RUNS, Watch, median_run, rearm, row, run_dispatchers, seed_due
from benchmarks.harness import report, scratch_engine
from benchmarks.standin import _cpu_seconds, _standin

N = int(os.environ.get("BENCH_SCALEOUT_N", "20000"))
COUNTS = tuple(int(c) for c in os.environ.get("BENCH_SCALEOUT_PROCESSES", "1,2,4").split(","))


@dataclass(frozen=True)
class Run:
    processes: int
    per_s: float
    seconds: float
    duplicates: int
    lost: int
    dispatcher_cpu: list[float]
    postgres_cpu: float
    standin_cpu: float
    waits: str


def _check_record(path: Path) -> tuple[int, int]:
    """(duplicates, lost) from what the stand-in recorded."""
    recipients: Counter[str] = Counter()
    with path.open() as lines:
        for line in lines:
            recipients.update(json.loads(line)["to"])
    duplicates = sum(c - 1 for c in recipients.values())
    return duplicates, N - len(recipients)


def one_run(url: str, plain: str, processes: int, tmp: Path) -> Run:
    record = tmp / f"record-{processes}-{time.monotonic_ns()}.jsonl"
    with _standin(record, "--no-fsync") as (endpoint, standin_pid):
        env = {
            "SEQUENCES_SENDER": "ses", "AWS_ENDPOINT_URL": endpoint,
            "SEQUENCES_SEND_PROCESSES": "1", "SEQUENCES_SES_MAX_SEND_RATE": "100000",
            "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        }  # fmt: skip
        standin_cpu = _cpu_seconds(standin_pid)
        watch = Watch(plain, progress_every=15)
        reports = run_dispatchers(url, processes, env, during=watch)
        standin_cpu = _cpu_seconds(standin_pid) - standin_cpu
    sent = sum(r.summary["sent"] for r in reports)
    assert sent == N, [r.summary for r in reports]
    duplicates, lost = _check_record(record)
    seconds = max(r.seconds for r in reports)
    return Run(processes, N / seconds, seconds, duplicates, lost,
               [r.cpu_seconds for r in reports], watch.cpu_seconds, standin_cpu,
               watch.top_waits())  # fmt: skip


def _parts(run: Run) -> dict[str, float]:
    return {"dispatchers": sum(run.dispatcher_cpu), "postgres": run.postgres_cpu,
            "stand-in": run.standin_cpu}  # fmt: skip


def _shares(run: Run) -> str:
    """Each part's CPU as a share of the host's CPU time over the run."""
    host = run.seconds * (os.cpu_count() or 1)
    return ", ".join(f"{k} {v / host:.0%}" for k, v in _parts(run).items())


def _per_email(run: Run) -> str:
    """Each part's CPU per email sent: what a busy host does not change much."""
    return ", ".join(f"{k} {v / N * 1000:.2f}" for k, v in _parts(run).items())


def _row(run: Run, one: Run | None) -> dict[str, object]:
    ok = run.duplicates == 0 and run.lost == 0
    return row(
        f"scale-out: {run.processes} dispatcher process(es), {N:,} due", run.per_s, "emails/s",
        baseline=round(one.per_s, 1) if one else "-",
        ratio=f"{run.per_s / one.per_s:.2f}" if one else "-",
        target="0 duplicates, 0 lost", passed=ok, duplicates=run.duplicates, lost=run.lost,
        seconds=round(run.seconds, 1),
        dispatcher_cpu_s=[round(c, 1) for c in run.dispatcher_cpu],
        postgres_cpu_s=round(run.postgres_cpu, 1), standin_cpu_s=round(run.standin_cpu, 1),
        cpu_ms_per_email=_per_email(run), cpu_of_host=_shares(run), postgres_waits=run.waits,
    )  # fmt: skip


def _say(run: Run) -> None:
    print(
        f"    {run.per_s:,.0f}/s in {run.seconds:,.0f} s, {run.duplicates} duplicates,"
        f" {run.lost} lost; CPU ms/email: {_per_email(run)}; of host: {_shares(run)};"
        f" waits: {run.waits}",
        flush=True,
    )


def main() -> None:
    runs: dict[int, Run] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, scratch_engine("sequences_bench_scaleout") as engine:
        url = engine.url.render_as_string(hide_password=False)
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        print(f"  seeding {N:,} due enrollments", flush=True)
        seed_due(engine, N, N)
        for i, processes in enumerate(COUNTS):
            print(f"  {processes} dispatcher(s)", flush=True)

            def measure(j: int, processes: int = processes, first: bool = i == 0) -> Run:
                if j or not first:
                    rearm(engine)
                run = one_run(url, plain, processes, Path(tmp))
                _say(run)
                return run

            runs[processes], _ = median_run(measure, lambda r: r.per_s, RUNS)
    one = runs.get(1)
    rows = [_row(run, one if p != 1 else None) for p, run in runs.items()]
    took = time.perf_counter() - start
    print(f"  scale-out at {N:,} took {took:,.0f} s", flush=True)
    rows[0]["bench_seconds"] = round(took)
    report(f"scaleout_{N // 1000}k", rows)


if __name__ == "__main__":
    main()
