"""Geometry of the dashboard's inline SVG charts; templates/reports/_charts.html draws them.

Plain numbers only: the templates escape every label, so no markup is built here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    href: str | None = None
    title: str = ""


def ranking_bars(items: list[tuple[str, float, str | None]], width: int = 560, bar: int = 18, gap: int = 6,
                 label_width: int = 150) -> tuple[list[Bar], int]:
    """Horizontal bars, longest first as given; returns the bars and the chart's height."""
    top = max((value for _label, value, _href in items), default=0) or 1
    span = width - label_width - 70
    bars = [Bar(label, value, label_width, i * (bar + gap), span * value / top, bar, href)
            for i, (label, value, href) in enumerate(items)]
    return bars, max(len(items) * (bar + gap), bar)


def columns(items: list[tuple[str, float]], width: int = 560, height: int = 160, gap: int = 6,
            headroom: int = 16) -> list[Bar]:
    """Vertical columns over a baseline at `height`, scaled so the largest leaves room for its value."""
    if not items:
        return []
    top = max(value for _label, value in items) or 1
    slot, usable = width / len(items), height - headroom
    return [Bar(label, value, i * slot + gap / 2, height - usable * value / top, max(slot - gap, 1),
                usable * value / top) for i, (label, value) in enumerate(items)]


def funnel_bars(stages: list[tuple[str, int]], width: int = 560, bar: int = 26, gap: int = 6) -> list[Bar]:
    """Centred bars, each as wide as its share of the first stage."""
    first = stages[0][1] if stages and stages[0][1] else 1
    bars = []
    for i, (label, value) in enumerate(stages):
        w = width * value / first
        bars.append(Bar(label, value, (width - w) / 2, i * (bar + gap), w, bar))
    return bars


def shade(fraction: float | None) -> str:
    """A CSS class for a tile: from none done to rule met."""
    if fraction is None:
        return "rep-shade-na"
    steps = ((1.0, "rep-shade-4"), (0.75, "rep-shade-3"), (0.5, "rep-shade-2"), (0.25, "rep-shade-1"))
    return next((css for limit, css in steps if fraction >= limit), "rep-shade-0")
