"""The plugin's chart geometry (sequences_ui/charts.py) without a browser: the dashboard's and
the forecast's day charts stand on one Plot, so their bars stay inside it, the axis covers the
highest day in round steps, stacked bars meet, and templates/charts.html draws both through one
`axes` macro with their accessible names, escaped."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sequences_core.services.forecast import DayOut
from tests.ui_support import PLUGINS  # noqa: F401 - puts plugins/ on sys.path, as Airflow does

FIRST = date(2026, 10, 1)
XSS = "<script>alert(1)</script>"


def _forecast_chart(counts: list[tuple[int, int]], zone: str):  # type: ignore[no-untyped-def]
    from sequences_ui.charts import forecast_chart

    return forecast_chart(_forecast_days(counts), zone)


def _forecast_days(counts: list[tuple[int, int]]) -> list[DayOut]:
    days = [FIRST + timedelta(days=i) for i in range(len(counts))]
    return [
        DayOut(day, f"{day:%A}", sent, 0, held, [], [], 0, 0)
        for day, (sent, held) in zip(days, counts, strict=True)
    ]


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**6)), min_size=1, max_size=40))
def test_daily_bars_stay_in_the_plot_and_the_axis_covers_the_highest_day(counts):
    from sequences_ui.charts import daily_chart

    days = [(FIRST + timedelta(days=i), s, r) for i, (s, r) in enumerate(counts)]
    chart = daily_chart(days, "t", "sent", "replies")
    plot = chart.plot
    highest = max(max(s, r) for _, s, r in days)
    assert plot.top_value >= highest and plot.top_value % plot.step == 0
    for bar, (_, sent, _r) in zip(chart.bars, days, strict=True):
        assert plot.left <= bar.x and bar.x + bar.width <= plot.right + 0.1
        assert plot.top - 0.1 <= bar.y <= plot.bottom and bar.height >= 0
        assert sent or bar.height == 0
    by_sent = sorted(zip((s for _, s, _r in days), (b.height for b in chart.bars), strict=True))
    assert [h for _, h in by_sent] == sorted(h for _, h in by_sent)  # more sent, taller bar
    assert plot.y_ticks[0].label == "0" and len(chart.x_ticks) >= 1
    assert all(plot.left <= dot.x <= plot.right for dot in chart.dots)


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**5)), min_size=1, max_size=21))
def test_forecast_stacks_stay_in_the_plot_and_the_held_back_part_sits_on_the_sent(counts):
    chart = _forecast_chart(counts, "Europe/Berlin")
    plot = chart.plot
    assert plot.top_value >= max(s + h for s, h in counts) and plot.top_value % plot.step == 0
    for i, (bar, (_sent, held)) in enumerate(zip(chart.bars, counts, strict=True)):
        assert plot.left <= bar.sent.x and bar.sent.x + bar.sent.width <= plot.right + 0.1
        assert abs(bar.sent.y + bar.sent.height - plot.bottom) <= 0.1  # stands on the axis
        assert abs(bar.held.y + bar.held.height - bar.sent.y) <= 0.1  # on top of the sent
        assert bar.held.y >= plot.top - 0.1 and bar.value_y < bar.held.y
        assert (held > 0) == ("held back" in bar.title) and (held or bar.held.height == 0)
        assert bar.sent.x < bar.center < bar.sent.x + bar.sent.width
        assert bool(bar.month) == (i == 0 or (FIRST + timedelta(days=i)).day == 1)
    assert (
        "in Europe/Berlin" in chart.desc and f"{sum(s for s, _ in counts):,} emails" in chart.desc
    )


@given(st.integers(0, 10**7), st.integers(1, 40))
def test_both_day_charts_share_one_scale(highest, slots):
    """The same highest value gives the same axis on either layout; only the box differs."""
    from sequences_ui.charts import DAILY, FORECAST, Plot

    daily, forecast = Plot.of(DAILY, slots, highest), Plot.of(FORECAST, slots, highest)
    assert [t.label for t in daily.y_ticks] == [t.label for t in forecast.y_ticks]
    for plot in (daily, forecast):
        assert plot.y(0) == plot.bottom and plot.y(plot.top_value) == plot.top
        assert plot.y_ticks[-1].at == plot.top and plot.right - plot.left > 0
        last = plot.bar(slots - 1, 0, highest)
        assert last.x + last.width <= plot.right + 0.1


def test_one_axes_macro_draws_both_charts_with_accessible_names_escaped():
    from sequences_ui.charts import daily_chart
    from sequences_ui.pages import pages

    charts = pages.get_template("charts.html").module
    days = [(FIRST + timedelta(days=i), i * 3, i) for i in range(30)]
    daily = str(charts.daily(daily_chart(days, XSS, "emails sent", "replies"), "d", "Day", "E"))
    stacked = str(charts.stacked(_forecast_chart([(4, 2)] * 14, XSS), "f", "D", "E"))
    for html, key in ((daily, "d"), (stacked, "f")):
        assert f'role="img" aria-labelledby="{key}-title {key}-desc"' in html
        assert XSS not in html and "&lt;script&gt;" in html
        assert html.count('<line class="axis"') == 2 and html.count('class="axis-title"') == 2
        assert '<g class="grid">' in html and '<figcaption class="legend">' in html
    assert daily.count("<rect ") == 30 and daily.count("<circle ") == 30
    assert stacked.count('<rect class="sent"') == 14 and stacked.count('class="deferred"') == 14
    assert '<svg class="chart-svg forecast"' in stacked and '<svg class="chart-svg"' in daily
