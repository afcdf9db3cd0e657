"""Metric-over-steps line charts as geometry for server-rendered SVG (no script, no CDN)."""

import math
from dataclasses import dataclass

from mlteam.kernel.scales import fraction

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 260, 64, 16, 14, 34
MAX_POINTS = 400
# Series differ by colour *and* dash pattern, so the chart does not rely on colour alone.
STYLES = [
    ("#3b5bdb", ""),
    ("#c2255c", "6 3"),
    ("#237a36", "2 3"),
    ("#e8590c", "10 4 2 4"),
    ("#5f3dc4", "4 4"),
    ("#0b7285", "12 3"),
]


@dataclass
class Series:
    label: str
    points: str
    colour: str
    dash: str
    last_x: float
    last_y: float


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_label: str
    y_label: str


def _thin(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """At most MAX_POINTS points, always keeping the last one."""
    if len(points) <= MAX_POINTS:
        return points
    stride = -(-len(points) // MAX_POINTS)
    return points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])


def _ticks(low: float, high: float, count: int) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) inside [low, high]."""
    if high == low:
        return [low]
    raw = (high - low) / (count - 1)
    if not 0 < raw < math.inf or 10 ** math.floor(math.log10(raw)) == 0:
        return [low, high]  # a span too wide (overflow) or too narrow for round steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def line_chart(named_series: list[tuple[str, list[tuple[int, float]]]], y_label: str):
    """One polyline per series over a shared step axis; None when there is nothing to draw."""
    named_series = [(label, _thin(points)) for label, points in named_series if points]
    if not named_series:
        return None
    steps = [s for _, points in named_series for s, _ in points]
    values = [v for _, points in named_series for _, v in points]
    x_low, x_high = min(steps), max(steps)
    y_low, y_high = min(values), max(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(step: float) -> float:
        return round(LEFT + fraction(step, x_low, x_high) * plot_w, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - fraction(value, y_low, y_high) * plot_h, 1)

    series = []
    for index, (label, points) in enumerate(named_series):
        colour, dash = STYLES[index % len(STYLES)]
        coords = " ".join(f"{x(s)},{y(v)}" for s, v in points)
        last_step, last_value = points[-1]
        series.append(Series(label, coords, colour, dash, x(last_step), y(last_value)))
    return LineChart(
        WIDTH,
        HEIGHT,
        LEFT,
        TOP,
        plot_w,
        plot_h,
        series,
        [Tick(x(s), f"{round(s)}") for s in _ticks(x_low, x_high, 5)],
        [Tick(y(v), f"{v:.3g}") for v in _ticks(y_low, y_high, 5)],
        "step",
        y_label,
    )
