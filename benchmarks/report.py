"""benchmarks/results/report.md: every row of every results/*.json in one table, judged.

Generic on purpose: a benchmark added later appears without a change here. A row may say
what it is in these keys (what new rows write; `Row` builds them):

    what, figure, unit, baseline, ratio, target, pass (true | false), note

A row's `note` (why a figure is what it is, where its time goes) is listed under the table.

Older rows have other shapes (`per_s`, `median_ms`, `target_per_s`, `result`, ...); for them the
figure is the first throughput or time column, the baseline is the file's nearest earlier row
named `(baseline)`, and the verdict is the row's own `result`/`pass` when it has one, else the
target's clauses (`>= 1000/s`, `>= 0.60`, `< 50 ms`, `p99 < 50 ms`, a bare number for a rate)
checked against the figure and the ratio. A target whose clauses cannot all be checked is
reported as `not judged`, never as a pass.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.harness import RESULTS

# Columns read as a row's figure when it names none, in this order of preference.
FIGURE_KEYS = (
    "per_s", "events_per_s", "rows_per_s", "requests_per_s", "median_ms", "ms", "p50_ms",
    "seconds", "mb",
)  # fmt: skip
COUNT_KEYS = {"emails", "requests", "rows", "events", "jobs", "due", "processes"}
RATIO_KEYS = ("ratio", "x_baseline", "x_dispatch")
PASS, FAIL, NOT_JUDGED, NO_TARGET = "pass", "FAIL", "not judged", "-"
_CLAUSE = re.compile(
    r"^(?:(?P<name>[a-z0-9_ ]+?)\s*)?(?P<op><=|>=|<|>|=)\s*(?P<num>[\d,.]+)\s*(?P<unit>.*)$"
)


@dataclass(frozen=True)
class Line:
    bench: str
    what: str
    figure: str
    baseline: str
    ratio: str
    target: str
    verdict: str
    note: str = ""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = re.match(r"^\s*([\d,]*\.?\d+)", value)
        return float(match[1].replace(",", "")) if match else None
    return None


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _figure_key(row: Mapping[str, Any]) -> str | None:
    if "figure" in row:
        return "figure"
    for key in FIGURE_KEYS:
        if _number(row.get(key)) is not None:
            return key
    for key, value in row.items():
        numeric = not isinstance(value, str) and _number(value) is not None
        if numeric and key not in COUNT_KEYS:
            return key
    return None


def _unit(key: str, row: Mapping[str, Any]) -> str:
    """`events_per_s` -> `events/s`, `median_ms` -> `ms`; a row named `... (ms)` is in ms."""
    if key == "figure":
        return str(row.get("unit", ""))
    named = re.search(r"\((ms|s|MB|/s)\)\s*$", str(row.get("what", "")))
    if named:
        return named[1]
    if key.endswith("per_s"):
        return key[: -len("per_s")].rstrip("_") + "/s"
    if key.endswith("_ms") or key == "ms":
        return "ms"
    return {"seconds": "s", "mb": "MB"}.get(key, key)


def _figure(row: Mapping[str, Any]) -> tuple[str, float | None, str]:
    """(shown, value, unit) of a row's figure."""
    key = _figure_key(row)
    if key is None:
        return "-", None, ""
    value, unit = _number(row[key]), _unit(key, row)
    if value is None:
        return str(row[key]), None, unit
    return f"{_fmt(value)} {unit}".strip(), value, unit


def _target(row: Mapping[str, Any]) -> str:
    """The row's target as text; a bare number under `target_per_s` is a floor (`>= N/s`),
    under `target_ms`, `target_s` or `target_mb` a ceiling (`<= N ms`)."""
    for key, value in row.items():
        if not key.startswith("target") or value in (None, "", "-"):
            continue
        number = None if isinstance(value, str) else _number(value)
        unit = key.removeprefix("target").lstrip("_")
        if number is not None and unit.endswith("per_s"):
            return f">= {_fmt(number)}/s"
        if number is not None and unit in {"ms", "s", "mb"}:
            return f"<= {_fmt(number)} {_unit(unit, row) if unit != 'mb' else 'MB'}"
        return str(value)
    return ""


def _ratio(row: Mapping[str, Any]) -> str:
    for key in RATIO_KEYS:
        if row.get(key) not in (None, "", "-"):
            return str(row[key])
    return "-"


def _check(clause: str, row: Mapping[str, Any], ratio: float | None) -> bool | None:
    """One clause of a target, against the figure (the clause has its unit), the ratio (a bare
    number under 10), or the column it names (`p99 < 50 ms` reads `p99_ms`); None: cannot."""
    match = _CLAUSE.match(clause.strip().lower())
    if not match:
        return None
    limit = float(match["num"].replace(",", "").rstrip("."))
    clause_unit = (match["unit"] or "").strip().split(" ")[0]
    name = (match["name"] or "").strip().replace(" ", "_")
    _, value, unit = _figure(row)
    if name:
        subject = _number(row.get(f"{name}_{clause_unit}"))
    elif not clause_unit and limit < 10:
        subject = ratio
    elif not clause_unit or unit == clause_unit or unit.endswith(clause_unit):
        subject = value
    else:
        return None
    if subject is None:
        return None
    return {
        "<": subject < limit, "<=": subject <= limit, ">": subject > limit,
        ">=": subject >= limit, "=": subject == limit,
    }[match["op"]]  # fmt: skip


def verdict(row: Mapping[str, Any], ratio: str | None = None) -> str:
    """pass, FAIL, `-` (no target) or `not judged` (a target this cannot check)."""
    if isinstance(row.get("pass"), bool):
        return PASS if row["pass"] else FAIL
    own = str(row.get("result", "")).strip().lower()
    if own in {"pass", "fail"}:
        return PASS if own == "pass" else FAIL
    target = _target(row)
    if not target or (target.startswith("(") and target.endswith(")")):
        return NO_TARGET  # none, or a note in parentheses
    ratio_value = _number(ratio if ratio is not None else _ratio(row))
    checks = [_check(c, row, ratio_value) for c in re.split(r",\s+", target)]
    if any(c is None for c in checks):
        return NOT_JUDGED
    return PASS if all(checks) else FAIL


def _tag(what: str) -> str:
    match = re.match(r"^\((\w+)\)", what)
    return match[1] if match else ""


def _baseline(
    row: Mapping[str, Any], earlier: Mapping[str, tuple[str, float | None]]
) -> tuple[str, float | None]:
    what = str(row.get("what", ""))
    given = row.get("baseline")
    if given is None:
        if "(baseline)" in what:
            return "-", None
        return earlier.get(_tag(what), ("-", None))
    value = _number(given) if not isinstance(given, str) else None
    if value is None:
        return str(given), None
    return f"{_fmt(value)} {row.get('unit', '')}".strip(), value


def lines(bench: str, rows: Iterable[Mapping[str, Any]]) -> list[Line]:
    """A file's rows as report lines; a row without a ratio of its own gets figure/baseline
    when both are rates."""
    out: list[Line] = []
    earlier: dict[str, tuple[str, float | None]] = {}
    for row in rows:
        what = str(row.get("what", next(iter(row.values()), "?")))
        shown, value, unit = _figure(row)
        baseline, base_value = _baseline(row, earlier)
        if "(baseline)" in what:
            earlier[_tag(what)] = (shown, value)
        ratio = _ratio(row)
        if ratio == "-" and value and base_value and unit.endswith("/s"):
            ratio = f"{value / base_value:.2f}"
        line = Line(
            bench, what, shown, baseline, ratio, _target(row) or "-", verdict(row, ratio),
            str(row.get("note", "")),
        )  # fmt: skip
        out.append(line)
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def build(results: Path = RESULTS) -> str:
    """The report's Markdown, from every results/*.json."""
    rows: list[Line] = []
    measured: list[str] = []
    cpus: set[str] = set()
    for path in sorted(results.glob("*.json")):
        data = json.loads(path.read_text())
        bench = str(data.get("benchmark", path.stem))
        measured.append(f"{bench} {data.get('measured_at', '?')[:16]}")
        cpus.add(str(data.get("machine", {}).get("cpus", "?")))
        rows.extend(lines(bench, data.get("rows", [])))
    judged = [r for r in rows if r.verdict in (PASS, FAIL)]
    out = [
        "# Benchmarks side by side",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks` from"
        f" `benchmarks/results/*.json` ({len(measured)} files). Host CPUs when measured:"
        f" {', '.join(sorted(cpus))} (this report's host: {os.cpu_count()}).",
        f"{sum(r.verdict == PASS for r in judged)} of {len(judged)} judged rows pass;"
        f" {sum(r.verdict == NOT_JUDGED for r in rows)} not judged.",
        "",
        "| benchmark | row | figure | baseline | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    out += [
        "| " + " | ".join(_cell(c) for c in (r.bench, r.what, r.figure, r.baseline, r.ratio,
                                              r.target, r.verdict)) + " |"
        for r in rows
    ]  # fmt: skip
    notes = [f"- **{r.bench}, {r.what}** ({r.verdict}): {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "## Notes", "", *notes]
    out += ["", "Measured (UTC): " + "; ".join(measured) + ".", ""]
    return "\n".join(out)


def write(results: Path = RESULTS) -> Path:
    path = results / "report.md"
    path.write_text(build(results))
    return path


def main() -> None:
    print(f"wrote {write()}")


if __name__ == "__main__":
    main()
