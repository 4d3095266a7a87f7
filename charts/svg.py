"""Small inline SVG charts (HTML report, control pages): lines over time and bars, labelled axes.

Charts scale to their container's width (``viewBox``, ``width="100%"``), so they need no
script and stay readable on a phone. Values are formatted by the caller's tick formatter
(dollars, percent).
"""

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

WIDTH, HEIGHT = 800, 360
LEFT, RIGHT, TOP, BOTTOM = 118, 12, 44, 36


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a :func:`line_chart`: y values at the chart's times, a colour, a label."""

    values: Sequence[float]
    colour: str
    label: str


def dollars(value: float) -> str:
    """Format an axis value in whole dollars: ``$985,120``, ``-$350``; ``$12.35M`` from $10M."""
    sign, size = ("-" if value < 0 else ""), abs(value)
    if size >= 1e7:
        return f"{sign}${size / 1e6:,.2f}M"
    return f"{sign}${size:,.0f}"


def percent(value: float) -> str:
    """Format a decimal fraction as a percent axis value: ``-1.5%``."""
    return f"{100.0 * value:.{_decimals(abs(100.0 * value))}f}%"


def _decimals(size: float) -> int:
    return 0 if size >= 100 or size == 0 else 1 if size >= 10 else 2


def line_chart(
    element_id: str,
    title: str,
    times: pd.DatetimeIndex,
    lines: Sequence[Line],
    tick: Callable[[float], str],
) -> str:
    """Return an ``<svg>`` of lines over time with a y axis formatted by `tick`.

    Parameters
    ----------
    element_id : str
        The ``id`` of the ``<svg>`` element.
    title : str
        Text drawn above the plot (with a legend of the lines' labels).
    times : pandas.DatetimeIndex
        The x positions, shared by every line (at least one).
    lines : Sequence[Line]
        Each with one value per time.
    tick : Callable[[float], str]
        Formats y axis values (:func:`dollars`, :func:`percent`).

    """
    all_values = np.concatenate([np.asarray(line.values, dtype=np.float64) for line in lines])
    low, high = _y_range(all_values)
    x_of = _x_scale(times)
    parts = _frame(element_id, title, lines)
    parts += _y_axis(low, high, tick)
    parts += _x_axis_years(times, x_of)
    for line in lines:
        points = " ".join(
            f"{x_of(t):.1f},{_y(v, low, high):.1f}" for t, v in zip(times, line.values, strict=True)
        )
        parts.append(
            f'<polyline fill="none" stroke="{line.colour}" stroke-width="1.5" points="{points}"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(
    element_id: str,
    title: str,
    values: Sequence[float],
    colours: Sequence[str],
    hover: Sequence[str],
    tick: Callable[[float], str],
) -> str:
    """Return an ``<svg>`` bar chart: one bar per value from zero, a ``<title>`` hover each.

    Parameters
    ----------
    element_id, title, tick
        As :func:`line_chart`.
    values : Sequence[float]
        Bar heights, in order along x.
    colours : Sequence[str]
        Fill colour of each bar.
    hover : Sequence[str]
        Tooltip text of each bar.

    """
    data = np.asarray(values, dtype=np.float64)
    low, high = _y_range(np.append(data, 0.0))
    parts = _frame(element_id, title, [])
    parts += _y_axis(low, high, tick)
    slot = (WIDTH - LEFT - RIGHT) / max(len(data), 1)
    zero = _y(0.0, low, high)
    for i, (value, colour, text) in enumerate(zip(data, colours, hover, strict=True)):
        top = min(_y(value, low, high), zero)
        height = max(abs(_y(value, low, high) - zero), 0.5)
        parts.append(
            f'<rect x="{LEFT + i * slot + slot * 0.1:.1f}" y="{top:.1f}" '
            f'width="{max(slot * 0.8, 0.5):.1f}" height="{height:.1f}" fill="{colour}">'
            f"<title>{html.escape(text)}</title></rect>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#444"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _frame(element_id: str, title: str, lines: Sequence[Line]) -> list[str]:
    legend = "".join(
        f'<tspan fill="{line.colour}" dx="12">&#9632; {html.escape(line.label)}</tspan>'
        for line in lines
    )
    return [
        f'<svg id="{html.escape(element_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'width="100%" role="img" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{LEFT}" y="22" font-size="20" font-weight="bold">{html.escape(title)}'
        f'<tspan font-weight="normal" font-size="18">{legend}</tspan></text>',
    ]


def _y_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if math.isclose(low, high):
        pad = abs(low) * 0.01 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _y(value: float, low: float, high: float) -> float:
    return TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM)


def _y_axis(low: float, high: float, tick: Callable[[float], str]) -> list[str]:
    parts = []
    for value in np.linspace(low, high, 5):
        y = _y(float(value), low, high)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{y + 6:.1f}" font-size="18" text-anchor="end">'
            f"{html.escape(tick(float(value)))}</text>"
        )
    return parts


def _x_scale(times: pd.DatetimeIndex) -> Callable[[pd.Timestamp], float]:
    start, end = times[0].value, times[-1].value
    span = max(end - start, 1)
    return lambda t: LEFT + (t.value - start) / span * (WIDTH - LEFT - RIGHT)


def _x_axis_years(times: pd.DatetimeIndex, x_of: Callable[[pd.Timestamp], float]) -> list[str]:
    first, last = times[0], times[-1]
    months = pd.date_range(first.normalize(), last, freq="MS", tz=first.tz)
    step = max(1, math.ceil(len(months) / 6))
    parts = []
    for month in months[::step]:
        x = x_of(month)
        label = month.strftime("%Y-%m") if step < 12 else month.strftime("%Y")
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" font-size="18" text-anchor="middle">{label}</text>'
        )
    return parts
