"""Small charts drawn on the server as SVG data (bars and a line), rendered by a template
macro: no script, nothing to load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 320, 120


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def bars(items: list[tuple[str, int]]) -> list[Bar]:
    """Vertical bars scaled to the largest value, in a WIDTH x HEIGHT box (labels below)."""
    if not items:
        return []
    top = max(value for _label, value in items) or 1
    step = WIDTH / len(items)
    shown = []
    for index, (label, value) in enumerate(items):
        height = (HEIGHT - 34) * value / top  # room for the value above the bar
        shown.append(Bar(label, value, index * step + step * 0.1, HEIGHT - 20 - height,
                         step * 0.8, height))
    return shown


def curve(times: list[datetime]) -> str:
    """An SVG polyline `points` attribute: messages delivered so far (up) against the time
    since the first one (across); a broadcast's delivery curve."""
    if not times:
        return ""
    start = times[0]
    span = max((times[-1] - start).total_seconds(), 1e-6)
    total = len(times)
    return " ".join(
        f"{WIDTH * (at - start).total_seconds() / span:.1f},"
        f"{HEIGHT - (HEIGHT - 10) * count / total:.1f}"
        for count, at in enumerate(times, start=1))
