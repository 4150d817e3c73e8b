"""Dispatch through the SES stand-in, beside a bare boto3 `sesv2.send_email` loop to it.

Row (b) of `dispatch` measures against a bare zero-latency stub; this one against the issue's
stand-in (`benchmarks/support/ses_standin.py`, its CLI in a process of its own, no faults,
`--no-fsync`: nothing is killed here, and an fsync per answer would hold the one-at-a-time
bare loop back far more than the engine's eight send threads). Each run: the bare loop sends
half its emails, the engine dispatches N due enrollments with the SES sender as configured by
default, the bare loop sends the other half; three runs, the enrollments made due again in
between, the median run's ratio reported. On the way out the stand-in's record must hold every
email it answered as sent. Target: >= 0.70x the bare loop (as (b)).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from benchmarks.dispatch import bare_boto3, engine_run, sample_email
from benchmarks.fleet import median_run, rearm, row, seed_due, spread
from benchmarks.harness import report, scratch_engine
from benchmarks.standin import _standin
from sequences_core.runtime.config import Settings
from sequences_core.runtime.wiring import build_sender

N = int(os.environ.get("BENCH_SES_N", "5000"))


def main() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    raw = sample_email()
    with (
        tempfile.TemporaryDirectory() as tmp,
        _standin(Path(tmp) / "record.jsonl", "--no-fsync") as (endpoint, _),
        scratch_engine("sequences_bench_dispatch_standin") as engine,
    ):
        seed_due(engine, N, N)
        env = {**os.environ, "SEQUENCES_SENDER": "ses", "AWS_ENDPOINT_URL": endpoint,
               "SEQUENCES_SES_MAX_SEND_RATE": "100000"}  # fmt: skip
        settings = Settings.from_env(env)
        sender = build_sender(settings)  # one per process, as a dispatcher has

        def measure(i: int) -> tuple[float, float]:
            if i:
                rearm(engine)
            bare = bare_boto3(endpoint, N // 2, raw)
            ours = engine_run(engine, sender, N)
            bare += bare_boto3(endpoint, N - N // 2, raw)
            print(f"    engine {N / ours:,.0f}/s, bare boto3 {N / bare:,.0f}/s", flush=True)
            return N / ours, N / bare

        (ours, bare), runs = median_run(measure, lambda r: r[0] / r[1])
    report(
        "dispatch_standin",
        [
            row("bare boto3 send_email loop to the stand-in (baseline)", bare, "emails/s",
                emails=N),
            row(
                f"engine, SES sender ({settings.send_processes} send processes) via stand-in",
                ours, "emails/s", baseline=round(bare, 1), ratio=f"{ours / bare:.2f}",
                target=">= 0.70x bare loop", passed=ours / bare >= 0.70, emails=N,
                runs=spread([a / b for a, b in runs]),
            ),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
