"""`make bench`: run every benchmark in turn."""

from __future__ import annotations

from benchmarks import bulk_enroll, cli_startup, dispatch, ingest, standin, tracking

if __name__ == "__main__":  # worker processes (spawned) import this module again
    for bench in (cli_startup, bulk_enroll, dispatch, standin, ingest, tracking):
        bench.main()
