"""Small charts drawn on the server as SVG data (bars and a line), rendered by a template
macro: no script, nothing to load."""

from __future__ import annotations

from dataclasses import dataclass

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


def line(points: list[float]) -> str:
    """An SVG polyline `points` attribute for a rising series (a delivery curve)."""
    if not points:
        return ""
    top = max(points) or 1
    step = WIDTH / max(len(points) - 1, 1)
    return " ".join(f"{i * step:.1f},{HEIGHT - (HEIGHT - 10) * p / top:.1f}"
                    for i, p in enumerate(points))
