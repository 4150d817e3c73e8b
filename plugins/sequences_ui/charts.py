"""Chart geometry for server-side SVG: pure functions from numbers to shapes and labels, for
every chart of the plugin (the dashboard's sends and replies, the metrics funnel, the send
forecast).

The shapes are drawn by templates/charts.html, so every label goes through Jinja's escaping;
nothing here builds markup. Coordinates are in the SVG's viewBox units; the SVG scales to
its box, so the viewBox is narrow enough that its text stays readable at 420 px. Both day
charts stand on one `Plot` (a slot a day over a value axis from 0 to a round top), so their
scale, ticks and bar placement are the same arithmetic, and one template macro draws its axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sequences_core.services.forecast import DayOut


@dataclass(frozen=True)
class Layout:
    """An SVG's size and the margins around its plot (room for the labels), in viewBox units."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    title_drop: int  # the x axis title's baseline, up from the SVG's bottom edge


# At 420 px wide the SVG is drawn near 1:1, so 11-unit text is 11 px.
DAILY = Layout(360, 220, left=50, right=18, top=12, bottom=34, title_drop=3)
# 14 slots of ~30 units: a weekday and a date fit under each.
FORECAST = Layout(480, 250, left=46, right=10, top=16, bottom=62, title_drop=4)


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


def day_span(days: Sequence[date]) -> str:
    """The days a chart covers, for its description."""
    return f"{days[0]:%d %b} to {days[-1]:%d %b %Y}" if days else "no days"


@dataclass(frozen=True)
class Plot:
    """Equal slots, one a day, over one value axis from 0 to a round top: where a slot's bar
    stands and how high a value reaches. The plot's edges are coordinates (`right` and
    `bottom` from the SVG's origin), as the template draws the axes and the grid from them."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    title_y: int  # the x axis title's baseline
    slot: float  # a day's width
    top_value: int
    step: int

    @classmethod
    def of(cls, layout: Layout, slots: int, highest: int) -> Plot:
        """The plot for `slots` days whose highest value is `highest`."""
        top_value, step = nice_ceiling(highest)
        return cls(
            layout.width, layout.height, layout.left, layout.width - layout.right, layout.top,
            layout.height - layout.bottom, layout.height - layout.title_drop,
            (layout.width - layout.left - layout.right) / max(slots, 1), top_value, step,
        )  # fmt: skip

    def y(self, value: int) -> float:
        return round(self.bottom - (self.bottom - self.top) * value / self.top_value, 1)

    def bar(self, i: int, low: int, high: int, title: str = "") -> Bar:
        """Day `i`'s bar from value `low` up to value `high`, in the middle 70 % of its slot
        (`low` above 0 stacks it on another)."""
        x = round(self.left + i * self.slot + self.slot * 0.15, 1)
        top = self.y(high)
        return Bar(x, top, round(self.slot * 0.7, 1), round(self.y(low) - top, 1), title)

    def center(self, i: int) -> float:
        return round(self.left + i * self.slot + self.slot / 2, 1)

    @property
    def y_ticks(self) -> list[Tick]:
        return [Tick(self.y(v), count_label(v)) for v in range(0, self.top_value + 1, self.step)]


@dataclass(frozen=True)
class DailyChart:
    plot: Plot
    bars: list[Bar]
    line: str  # the polyline's points
    dots: list[Bar]  # the line's points, each with its title (width/height unused)
    x_ticks: list[Tick]
    title: str
    desc: str


def daily_chart(
    days: Sequence[tuple[date, int, int]], title: str, bar_name: str, line_name: str
) -> DailyChart:
    """Bars for the first series (sends), a line for the second (replies), one slot a day,
    on one axis from 0; the x axis labels about every fifth day and the last."""
    plot = Plot.of(DAILY, len(days), max((max(s, r) for _, s, r in days), default=0))
    bars, dots, x_ticks = [], [], []
    for i, (day, sent, replies) in enumerate(days):
        name = f"{day:%a %d %b}"
        bars.append(plot.bar(i, 0, sent, f"{name}: {sent:,} {bar_name}"))
        dots.append(Bar(plot.center(i), plot.y(replies), 0, 0, f"{name}: {replies:,} {line_name}"))
        if (len(days) - 1 - i) % 5 == 0:
            x_ticks.append(Tick(plot.center(i), f"{day:%d %b}"))
    total_bars, total_line = sum(d[1] for d in days), sum(d[2] for d in days)
    desc = (
        f"{len(days)} days, {day_span([d[0] for d in days])}: {total_bars:,} {bar_name} (bars) "
        f"and {total_line:,} {line_name} (line); the most in a day "
        f"{max((d[1] for d in days), default=0):,}."
    )
    line = " ".join(f"{d.x},{d.y}" for d in dots)
    return DailyChart(plot, bars, line, dots, x_ticks, title, desc)


@dataclass(frozen=True)
class DayBar:
    """A forecast day: the emails sent, with what a daily limit held back stacked on top."""

    sent: Bar
    held: Bar  # height 0 when nothing was held back
    center: float
    value_y: float  # where the sent count is written, above the stack
    count: str  # the sent count as written
    weekday: str
    date: str  # the day of the month
    month: str  # under the first day and the first of a month, else empty
    title: str


@dataclass(frozen=True)
class ForecastChart:
    plot: Plot
    bars: list[DayBar]
    title: str
    desc: str


def _forecast_day(plot: Plot, i: int, d: DayOut) -> DayBar:
    held = plot.bar(i, d.sent, d.sent + d.deferred)
    note = f"; {d.deferred:,} held back by a daily limit" if d.deferred else ""
    return DayBar(
        plot.bar(i, 0, d.sent), held, plot.center(i), held.y - 3, count_label(d.sent),
        f"{d.day:%a}", str(d.day.day), f"{d.day:%b}" if i == 0 or d.day.day == 1 else "",
        f"{d.day:%A %d %B}: {d.sent:,} emails sent{note}",
    )  # fmt: skip


def forecast_chart(days: Sequence[DayOut], zone: str) -> ForecastChart:
    """One slot a day on one axis from 0; each bar's count is written above it, the weekday,
    the date and (under the first day and a month's first) the month below it."""
    plot = Plot.of(FORECAST, len(days), max((d.sent + d.deferred for d in days), default=0))
    total, held_total = sum(d.sent for d in days), sum(d.deferred for d in days)
    desc = (
        f"{len(days)} days in {zone}, {day_span([d.day for d in days])}: {total:,} emails sent "
        f"(bars), {held_total:,} times an email was held back by a daily limit (stacked on top)."
    )
    bars = [_forecast_day(plot, i, d) for i, d in enumerate(days)]
    return ForecastChart(plot, bars, "Emails per day, forecast", desc)


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
    width, top = DAILY.width, DAILY.top  # as wide as the daily chart, for the same text size
    bar_max = width - label_width - 104  # room for "12,345 · 100.0%" after the longest bar
    first = stages[0][1] if stages else 0
    shapes = [
        Stage(label, value, _share(value, first), top + i * row, _length(value, first, bar_max))
        for i, (label, value) in enumerate(stages)
    ]
    described = ", ".join(f"{s.label} {s.value:,} ({s.share})" for s in shapes)
    return FunnelChart(
        width, int(top * 2 + row * len(stages)), label_width, label_width + 6, bar_height,
        shapes, title, described or "No emails yet.",
    )  # fmt: skip
