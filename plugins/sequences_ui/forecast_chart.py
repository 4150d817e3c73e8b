"""The forecast's chart geometry: a bar a day, the emails sent with the emails a daily limit
held back stacked on top. Pure numbers to shapes; templates/forecast.html draws them (so
every label is escaped), with the axes' round numbers from charts.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sequences_core.services.forecast import DayOut
from sequences_ui.charts import Tick, count_label, nice_ceiling

WIDTH, HEIGHT = 480, 250  # 14 slots of ~30 units: a weekday and a date fit under each
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 16, 62


@dataclass(frozen=True)
class DayBar:
    center: float
    x: float
    width: float
    sent_y: float
    sent_height: float
    deferred_y: float
    deferred_height: float
    value_y: float  # where the sent count is written, above the stack
    sent: str
    weekday: str
    date: str  # the day of the month
    month: str  # under the first day and the first of a month, else empty
    title: str


@dataclass(frozen=True)
class ForecastChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: list[DayBar]
    y_ticks: list[Tick]
    title: str
    desc: str


def forecast_chart(days: Sequence[DayOut], zone: str) -> ForecastChart:
    """One slot a day on one axis from 0; each bar's count is written above it."""
    bottom = HEIGHT - BOTTOM
    plot_w, plot_h = WIDTH - LEFT - RIGHT, bottom - TOP
    top_value, step = nice_ceiling(max((d.sent + d.deferred for d in days), default=0))
    slot = plot_w / max(len(days), 1)

    def y(value: int) -> float:
        return round(bottom - plot_h * value / top_value, 1)

    bars = []
    for i, d in enumerate(days):
        x = LEFT + i * slot
        sent_top, stack_top = y(d.sent), y(d.sent + d.deferred)
        held = f"; {d.deferred:,} held back by a daily limit" if d.deferred else ""
        bars.append(
            DayBar(
                center=round(x + slot / 2, 1), x=round(x + slot * 0.15, 1),
                width=round(slot * 0.7, 1), sent_y=sent_top,
                sent_height=round(bottom - sent_top, 1), deferred_y=stack_top,
                deferred_height=round(sent_top - stack_top, 1), value_y=stack_top - 3,
                sent=count_label(d.sent), weekday=f"{d.day:%a}", date=str(d.day.day),
                month=f"{d.day:%b}" if i == 0 or d.day.day == 1 else "",
                title=f"{d.day:%A %d %B}: {d.sent:,} emails sent{held}",
            )
        )  # fmt: skip
    total = sum(d.sent for d in days)
    held_total = sum(d.deferred for d in days)
    span = f"{days[0].day:%d %b} to {days[-1].day:%d %b %Y}" if days else "no days"
    desc = (
        f"{len(days)} days in {zone}, {span}: {total:,} emails sent (bars), "
        f"{held_total:,} times an email was held back by a daily limit (stacked on top)."
    )
    return ForecastChart(
        WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, bottom, bars,
        [Tick(y(v), count_label(v)) for v in range(0, top_value + 1, step)],
        "Emails per day, forecast", desc,
    )  # fmt: skip
