"""Chart geometry for server-side SVG: pure functions from numbers to shapes and labels.

The shapes are drawn by templates/charts.html, so every label goes through Jinja's escaping;
nothing here builds markup. Coordinates are in the SVG's viewBox units; the SVG scales to
its box, so the viewBox is narrow enough that its text stays readable at 420 px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 360, 220  # at 420 px wide the SVG is drawn near 1:1, so 11-unit text is 11 px
LEFT, RIGHT, TOP, BOTTOM = 50, 18, 12, 34  # room for the y labels and the x labels


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # what a pointer or a screen reader gets for this bar


@dataclass(frozen=True)
class DailyChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: list[Bar]
    line: str  # the polyline's points
    dots: list[Bar]  # the line's points, each with its title (width/height unused)
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    title: str
    desc: str


def nice_ceiling(value: int, steps: int = 4) -> tuple[int, int]:
    """An axis top at or above `value` and its step, in round numbers (1, 2, 2.5 or 5
    times a power of 10)."""
    if value <= 0:
        return steps, 1
    raw = value / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw and step == int(step):
            return int(step) * steps, int(step)
    return int(10 * power) * steps, int(10 * power)  # pragma: no cover - 10 always fits


def count_label(n: int) -> str:
    return f"{n / 1000:g}k" if n >= 10_000 and n % 1000 == 0 else f"{n:,}"


def daily_chart(
    days: Sequence[tuple[date, int, int]], title: str, bar_name: str, line_name: str
) -> DailyChart:
    """Bars for the first series (sends), a line for the second (replies), one slot a day,
    on one axis from 0; the x axis labels about every fifth day and the last."""
    bottom = HEIGHT - BOTTOM
    plot_w, plot_h = WIDTH - LEFT - RIGHT, bottom - TOP
    top_value, step = nice_ceiling(max((max(s, r) for _, s, r in days), default=0))
    slot = plot_w / max(len(days), 1)

    def y(value: int) -> float:
        return round(bottom - plot_h * value / top_value, 1)

    bars, dots, x_ticks = [], [], []
    for i, (day, sent, replies) in enumerate(days):
        x = LEFT + i * slot
        name = f"{day:%a %d %b}"
        bars.append(Bar(round(x + slot * 0.15, 1), y(sent), round(slot * 0.7, 1),
                        round(bottom - y(sent), 1), f"{name}: {sent:,} {bar_name}"))  # fmt: skip
        dots.append(Bar(round(x + slot / 2, 1), y(replies), 0, 0,
                        f"{name}: {replies:,} {line_name}"))  # fmt: skip
        if (len(days) - 1 - i) % 5 == 0:
            x_ticks.append(Tick(round(x + slot / 2, 1), f"{day:%d %b}"))
    y_ticks = [Tick(y(v), count_label(v)) for v in range(0, top_value + 1, step)]
    total_bars, total_line = sum(d[1] for d in days), sum(d[2] for d in days)
    span = f"{days[0][0]:%d %b} to {days[-1][0]:%d %b %Y}" if days else "no days"
    desc = (
        f"{len(days)} days, {span}: {total_bars:,} {bar_name} (bars) and {total_line:,} "
        f"{line_name} (line); the most in a day {max((d[1] for d in days), default=0):,}."
    )
    return DailyChart(
        WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, bottom, bars,
        " ".join(f"{d.x},{d.y}" for d in dots), dots, y_ticks, x_ticks, title, desc,
    )  # fmt: skip


@dataclass(frozen=True)
class Stage:
    label: str
    value: int
    share: str  # of the first stage, e.g. "41.2%"
    y: float
    width: float  # the bar's length, proportional to the first stage


@dataclass(frozen=True)
class FunnelChart:
    width: int
    height: int
    label_width: float
    bar_left: float
    bar_height: float
    stages: list[Stage]
    title: str
    desc: str


def _share(value: int, whole: int) -> str:
    return f"{value / whole:.1%}" if whole else "0.0%"


def _length(value: int, whole: int, longest: float) -> float:
    return round(longest * value / whole, 1) if whole else 0.0


def funnel_chart(stages: Sequence[tuple[str, int]], title: str) -> FunnelChart:
    """Horizontal bars, one a stage, each as long as its share of the first stage, with
    the count and the share written beside it."""
    label_width, row, bar_height = 64.0, 30.0, 20.0
    bar_max = WIDTH - label_width - 104  # room for "12,345 · 100.0%" after the longest bar
    first = stages[0][1] if stages else 0
    shapes = [
        Stage(label, value, _share(value, first), TOP + i * row, _length(value, first, bar_max))
        for i, (label, value) in enumerate(stages)
    ]
    described = ", ".join(f"{s.label} {s.value:,} ({s.share})" for s in shapes)
    return FunnelChart(
        WIDTH, int(TOP * 2 + row * len(stages)), label_width, label_width + 6, bar_height,
        shapes, title, described or "No emails yet.",
    )  # fmt: skip
