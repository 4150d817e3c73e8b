"""benchmarks/results/report.md: every row of every results file appears, judged correctly.

Pure and fast: synthetic results files in a temporary folder, nothing timed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.harness import RESULTS


def _write(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    payload = {"benchmark": name, "measured_at": "2026-12-04T20:00:00", "machine": {"cpus": 2},
               "rows": rows}  # fmt: skip
    (folder / f"{name}.json").write_text(json.dumps(payload))


def _table(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def test_every_row_of_every_file_appears_including_files_added_later(tmp_path: Path) -> None:
    _write(tmp_path, "alpha", [{"what": "a1", "per_s": 10.0}, {"what": "a2", "per_s": 5.0}])
    _write(tmp_path, "zeta_added_later", [{"what": "page list", "median_ms": 80,
                                           "target": "<= 300 ms"}])  # fmt: skip
    table = _table(report.build(tmp_path))
    assert [(r[0], r[1]) for r in table] == [
        ("alpha", "a1"), ("alpha", "a2"), ("zeta_added_later", "page list")
    ]  # fmt: skip
    assert "Host CPUs when measured: 2" in report.build(tmp_path)


def test_the_committed_results_each_have_a_line() -> None:
    files = sorted(RESULTS.glob("*.json"))
    expected = sum(len(json.loads(f.read_text())["rows"]) for f in files)
    assert len(_table(report.build(RESULTS))) == expected


@pytest.mark.parametrize(
    ("row", "verdict"),
    [
        ({"what": "x", "figure": 250.0, "unit": "MB", "target": "< 300 MB", "pass": True}, "pass"),
        ({"what": "x", "figure": 350.0, "unit": "MB", "target": "< 300 MB", "pass": False}, "FAIL"),
        ({"what": "x", "per_s": 3393.0, "ratio": "0.57", "target": ">= 1000/s, >= 0.60"}, "FAIL"),
        ({"what": "x", "per_s": 3393.0, "ratio": "0.61", "target": ">= 1000/s, >= 0.60"}, "pass"),
        ({"what": "x", "per_s": 900.0, "ratio": "0.61", "target": ">= 1000/s, >= 0.60"}, "FAIL"),
        ({"what": "x", "rows_per_s": 9120.0, "target_per_s": 10_000}, "FAIL"),
        ({"what": "x", "rows_per_s": 16750.0, "target_per_s": 10_000}, "pass"),
        ({"what": "(c) claim (ms)", "per_s": 2.8, "target": "< 50 ms"}, "pass"),
        ({"what": "(c) claim (ms)", "per_s": 51.0, "target": "< 50 ms"}, "FAIL"),
        ({"what": "x", "median_ms": 152, "target": "<= 350 ms", "result": "pass"}, "pass"),
        ({"what": "x", "median_ms": 352, "target": "<= 350 ms"}, "FAIL"),
        (
            {
                "what": "x",
                "per_s": 3722.0,
                "p99_ms": 17.3,
                "ratio": "0.85",
                "target": ">= 0.70, p99 < 50 ms",
            },
            "pass",
        ),
        (
            {
                "what": "x",
                "per_s": 3722.0,
                "p99_ms": 51.0,
                "ratio": "0.85",
                "target": ">= 0.70, p99 < 50 ms",
            },
            "FAIL",
        ),
        ({"what": "x", "per_s": 3722.0, "target": "all recorded"}, "not judged"),
        ({"what": "x", "per_s": 3722.0, "target": "-"}, "-"),
        ({"what": "x", "per_s": 3722.0, "target": "(SEQUENCES_SEND_PROCESSES=1)"}, "-"),
        ({"what": "x", "per_s": 10.0, "result": "FAIL", "target": "whatever"}, "FAIL"),
        ({"what": "page", "median_ms": 1844.7, "target_ms": 1000.0}, "FAIL"),
        ({"what": "page", "median_ms": 844.7, "target_ms": 1000.0}, "pass"),
    ],
)
def test_verdicts(row: dict[str, object], verdict: str) -> None:
    assert report.verdict(row) == verdict


def test_baseline_and_ratio_come_from_the_files_baseline_row(tmp_path: Path) -> None:
    _write(tmp_path, "b", [
        {"what": "(a) plain (baseline)", "per_s": 200.0},
        {"what": "(a) ours", "per_s": 100.0, "target": ">= 0.6"},
        {"what": "(b) other", "per_s": 100.0},
    ])  # fmt: skip
    plain, ours, other = _table(report.build(tmp_path))
    assert (ours[3], ours[4], ours[6]) == ("200 /s", "0.50", "FAIL")
    assert (plain[3], plain[6]) == ("-", "-")
    assert other[3] == "-"  # another tag's row has no baseline here


def test_pipes_in_cells_do_not_break_the_table(tmp_path: Path) -> None:
    _write(tmp_path, "p", [{"what": "a | b", "per_s": 1.0}])
    assert _table(report.build(tmp_path))[0][1] == "a \\| b"


def test_a_rows_note_is_listed_under_the_table_with_its_verdict(tmp_path: Path) -> None:
    _write(tmp_path, "q", [
        {"what": "plain", "per_s": 2.0},
        {"what": "ours", "per_s": 1.0, "target": ">= 2/s", "note": "four writes | a job"},
    ])  # fmt: skip
    built = report.build(tmp_path)
    notes = built.split("## Notes")[1]
    assert "**q, ours** (FAIL): four writes | a job" in notes
    assert "plain" not in notes
