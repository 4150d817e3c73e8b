"""The tracking benchmark's statistics: a wrong merge would report a p99 nobody measured."""

from __future__ import annotations

import pytest
from rich.console import Console

from benchmarks.harness import render
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


TRACKING_ROWS: list[dict[str, object]] = [
    {"what": "bare Flask route, same GIF (baseline)", "requests": 73075, "per_s": 3596.81,
     "p50_ms": 4.4, "p99_ms": 18.344, "worst_round_p99_ms": 30.73, "ratio": "-",
     "recorded": "-", "target": "-"},
    {"what": "open pixel (token, buffer, batch INSERT)", "requests": 62446, "per_s": 3083.5,
     "p50_ms": 4.58, "p99_ms": 33.563, "worst_round_p99_ms": 54.8, "ratio": "0.86 (0.68-1.04)",
     "recorded": "68250 rows >= 62446 answered", "target": ">= 0.70, p99 < 50 ms, all recorded"},
]  # fmt: skip


def _printed(width: int) -> str:
    console = Console(width=width, force_terminal=False)
    with console.capture() as captured:
        render("tracking", TRACKING_ROWS, console)
    return captured.get()


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_results_print_whole_at_any_width(width: int) -> None:
    out = _printed(width)
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= width
    words = " ".join(out.split())
    for row in TRACKING_ROWS:  # every column name and value whole (it was `reque…`, `targ…`)
        _, *rest = row
        assert all(f"{name}: " in words for name in rest) or "┃ requests ┃" in out
        assert str(row["what"]) in words and str(row["target"]) in words


def test_results_are_a_table_when_the_terminal_is_wide_enough() -> None:
    assert "┃ what" in _printed(200)
