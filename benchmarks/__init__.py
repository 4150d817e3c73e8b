"""Benchmarks run by `make bench`: each prints a table and writes benchmarks/results/<name>.json."""
