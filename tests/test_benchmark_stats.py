"""The tracking benchmark's statistics: a wrong merge would report a p99 nobody measured."""

from __future__ import annotations

from benchmarks.tracking import merged_p99


def _round(requests: int, tail_start: float, tail_step: float, worst: float) -> dict:
    tail = [(95 + i * 0.05, tail_start + i * tail_step) for i in range(100)] + [(100.0, worst)]
    return {"requests": requests, "p99_ms": tail_start + 80 * tail_step, "tail": tail}


def test_one_round_merges_to_its_own_p99() -> None:
    assert merged_p99([_round(5_000, 5.0, 0.05, 12.0)]) == 9.0


def test_a_slow_round_weighs_by_its_requests_not_as_the_worst_case() -> None:
    fast, slow = _round(9_000, 5.0, 0.05, 12.0), _round(1_000, 20.0, 0.5, 80.0)
    merged = merged_p99([fast, slow])
    assert fast["p99_ms"] < merged < slow["p99_ms"]
    assert merged == 20.0  # 9,000 within 12 ms, and 95% of the slow round's within 20 ms
    assert merged_p99([slow, slow]) == slow["p99_ms"]  # equal rounds: the same p99
