"""`make bench`: run every benchmark in turn."""

from __future__ import annotations

from benchmarks import bulk_enroll

for bench in (bulk_enroll,):
    bench.main()
