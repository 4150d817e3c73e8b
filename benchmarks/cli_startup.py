"""How long the `sequences` command takes from start to exit, beside a bare `python -c pass`.

Scripts call the CLI in loops (`schedule explain`, `ingest --explain`), so each row is a whole
process, as a shell runs it. The commands take turns, round after round, so a burst of load
on the machine falls on all of them alike; a row is the median of its rounds. The database URL
points nowhere: none of these commands may need one.

Targets (issue 16): --help <= 0.35 s; schedule explain, ingest --explain FILE <= 0.6 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import ROOT, report

ROUNDS = int(os.environ.get("BENCH_CLI_ROUNDS", "9"))
SEQUENCES = str(Path(sys.executable).with_name("sequences"))
MESSAGE = ROOT / "tests" / "fixtures" / "mail" / "ooo_french_return.eml"
# (what, argv, target in seconds or None for the baseline)
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass (baseline)", [sys.executable, "-c", "pass"], None),
    ("sequences --help", [SEQUENCES, "--help"], 0.35),
    (
        "sequences schedule explain --tz Europe/Berlin",
        [SEQUENCES, "schedule", "explain", "--tz", "Europe/Berlin"],
        0.6,
    ),
    ("sequences ingest --explain FILE", [SEQUENCES, "ingest", "--explain", str(MESSAGE)], 0.6),
]


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(rounds: int = ROUNDS) -> list[list[float]]:
    """Per command, its wall times; one uncounted round first warms the disk cache and .pyc."""
    env = {**os.environ, "SEQUENCES_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    times: list[list[float]] = [[] for _ in COMMANDS]
    for counted in [False] + [True] * rounds:
        for i, (_, argv, _target) in enumerate(COMMANDS):
            seconds = _seconds(argv, env)
            if counted:
                times[i].append(seconds)
    return times


def rows(times: list[list[float]]) -> list[dict[str, object]]:
    baseline = statistics.median(times[0])
    out: list[dict[str, object]] = []
    for (what, _, target), runs in zip(COMMANDS, times, strict=True):
        median = statistics.median(runs)
        out.append({
            "what": what,
            "median_ms": round(median * 1000),
            "best_ms": round(min(runs) * 1000),
            "x_baseline": "-" if target is None else f"{median / baseline:.1f}",
            "target": "-" if target is None else f"<= {target * 1000:.0f} ms",
            "result": "-" if target is None else ("pass" if median <= target else "FAIL"),
        })  # fmt: skip
    return out


def main() -> None:
    report("cli_startup", rows(measure()))


if __name__ == "__main__":
    main()
