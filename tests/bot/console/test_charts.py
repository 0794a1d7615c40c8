"""The console's server-side charts: bars scale to the largest value, the delivery curve
rises with the deliveries over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.console.charts import HEIGHT, WIDTH, bars, curve


def test_the_largest_bar_is_the_tallest_and_every_bar_fits() -> None:
    drawn = bars([("12-01", 5), ("12-02", 20), ("12-03", 0)])
    assert max(drawn, key=lambda bar: bar.height).label == "12-02"
    assert all(bar.y >= 0 and bar.y + bar.height <= HEIGHT - 20 for bar in drawn)
    assert drawn[2].height == 0


def test_the_delivery_curve_spans_the_time_of_the_sends() -> None:
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    times = [start, start + timedelta(seconds=1), start + timedelta(seconds=10)]
    points = [tuple(map(float, p.split(","))) for p in curve(times).split()]
    assert [x for x, _y in points] == [0.0, WIDTH / 10, WIDTH]
    assert points[0][1] > points[1][1] > points[2][1]  # higher up as more are delivered
    assert curve([]) == ""
