"""`make bench`: run every benchmark in turn, then write results/report.md.

`python -m benchmarks ROW [ROW ...]` runs only those rows (module names under benchmarks/,
e.g. `dispatch`, `scaleout`); `python -m benchmarks report` only rewrites the report.
Rows not in ORDER (added later) run after those, in name order: any module here with a
`main()` is a row.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from types import ModuleType

import benchmarks
from benchmarks import report

# standin reads dispatch's result, so it comes after it.
ORDER = (
    "cli_startup", "bulk_enroll", "dispatch", "dispatch_standin", "standin", "queue_compare",
    "claim_scale", "dispatcher_rss", "ingest", "tracking", "scaleout",
)  # fmt: skip
NOT_ROWS = {"harness", "report", "bare_pixel"}


def rows() -> dict[str, ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.ispkg]
    found = [n for n in names if n not in NOT_ROWS and not n.startswith("_")]
    ordered = [n for n in ORDER if n in found] + sorted(set(found) - set(ORDER))
    modules = {n: importlib.import_module(f"benchmarks.{n}") for n in ordered}
    return {n: m for n, m in modules.items() if callable(getattr(m, "main", None))}


def run(names: list[str]) -> None:
    available = rows()
    unknown = [n for n in names if n not in available and n != "report"]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; rows: {', '.join(available)}")
    chosen = [n for n in names if n != "report"]
    for name in chosen if names else list(available):  # `report` alone: no row
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        available[name].main()
        print(f"== {name} done in {time.perf_counter() - start:,.0f} s", flush=True)
    print(f"wrote {report.write()}")


if __name__ == "__main__":  # worker processes (spawned) import this module again
    run(sys.argv[1:])
