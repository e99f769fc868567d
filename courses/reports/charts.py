"""Bar charts drawn on the server as SVG: no JavaScript, they work offline and print.

A chart is plain geometry (bars, axis labels, gridlines) that a template turns into SVG; the
colours come from classes in aula.css, so the page's Content-Security-Policy holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    #: What a screen reader or a hover says: "Week of 16 Mar: seats taken 18".
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Series:
    css: str
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    series: Sequence[Series]
    bars: Sequence[Bar]
    x_ticks: Sequence[Tick]
    y_ticks: Sequence[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return step * 4
    return value


def bar_chart(
    id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    maximum: float | None = None,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> Chart:
    """Grouped bars: one group per label, one bar per series, scaled to ``maximum``."""
    top = maximum or _nice_max(max((v or 0 for s in series for v in s.values), default=0) or 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = min(slot * 0.8 / max(len(series), 1), 40)
    group_w = bar_w * len(series)
    bars, x_ticks = [], []
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot + (slot - group_w) / 2
        x_ticks.append(Tick(LEFT + i * slot + slot / 2, label))
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            h = plot_h * min(value, top) / top
            bars.append(
                Bar(
                    round(x0 + j * bar_w, 1),
                    round(TOP + plot_h - h, 1),
                    round(bar_w - 2, 1),
                    round(h, 1),
                    s.css,
                    f"{label}: {s.label} {fmt(value)}",
                )
            )
    y_ticks = [Tick(round(TOP + plot_h * (1 - k / 4), 1), fmt(top * k / 4)) for k in range(5)]
    return Chart(id, title, desc, series, bars, x_ticks, y_ticks)
