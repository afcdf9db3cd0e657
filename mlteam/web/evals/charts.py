"""Geometry of the leaderboard chart, drawn as SVG by the template (no script, no CDN)."""

from dataclasses import dataclass

from mlteam.kernel.scales import fraction
from mlteam.registry.enums import Comparator
from mlteam.registry.gates import comparator_holds

WIDTH, LABEL_W, RIGHT, BAR_H, GAP, TOP, BOTTOM = 760, 230, 70, 18, 6, 34, 26


@dataclass
class Threshold:
    """A gate's threshold on a benchmark: what a leaderboard row must meet to pass that gate."""

    protocol: str
    to_stage: str
    comparator: str
    value: float

    @classmethod
    def of(cls, criterion) -> "Threshold":
        protocol = criterion.protocol
        return cls(protocol.name, protocol.to_stage, criterion.comparator, criterion.threshold)

    @property
    def symbol(self) -> str:
        return Comparator(self.comparator).label

    @property
    def label(self) -> str:
        return f"{self.to_stage} {self.symbol} {self.value:g}"

    def holds(self, value: float) -> bool:
        return comparator_holds(value, self.comparator, self.value)


@dataclass
class Bar:
    y: float
    width: float
    label: str
    value: float
    passes_all: bool
    text_x: float
    stage: str = ""


@dataclass
class Marker:
    x: float
    label: str
    label_y: float
    anchor: str


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class BarChart:
    width: int
    height: int
    plot_x: int
    bars: list[Bar]
    markers: list[Marker]
    axis_y: float
    ticks: list[Tick]
    bar_h: int = BAR_H


def _domain(values: list[float]) -> tuple[float, float]:
    """Bars start at zero, so a bar's length is its value and small differences are not blown
    up; rates and shares (all within 0–1) get the whole 0–1 scale. The values are written on
    the bars, so close scores still read apart."""
    low, high = min(values), max(values)
    if low >= 0 and high <= 1.0:
        return 0.0, 1.0
    return min(0.0, low), max(0.0, high) or 1.0


def leaderboard_chart(rows, thresholds: list[Threshold]) -> BarChart | None:
    """Horizontal bars for the ranked rows and a vertical line at every gate threshold."""
    if not rows:
        return None
    low, high = _domain([r.value for r in rows] + [t.value for t in thresholds])
    plot_w = WIDTH - LABEL_W - RIGHT

    def x(value: float) -> float:
        return round(LABEL_W + fraction(value, low, high) * plot_w, 1)

    bars = []
    for index, row in enumerate(rows):
        passes = all(t.holds(row.value) for t in thresholds)
        y = TOP + index * (BAR_H + GAP)
        width = max(1.0, x(row.value) - LABEL_W)
        artifact = row.artifact
        label = f"{artifact.model.name} v{artifact.version}"
        text_x = round(LABEL_W + width + 4, 1)
        bars.append(Bar(y, width, label, row.value, passes, text_x, artifact.status))
    axis_y = TOP + len(rows) * (BAR_H + GAP)
    markers = []
    for index, threshold in enumerate(thresholds):
        at = x(threshold.value)
        anchor = "end" if at > WIDTH - 120 else "start"
        markers.append(Marker(at, threshold.label, 12 + 13 * (index % 2), anchor))
    ticks = [
        Tick(x(v), f"{v:.4g}")
        for v in (low, low * 0.75 + high * 0.25, low / 2 + high / 2, low * 0.25 + high * 0.75, high)
    ]
    return BarChart(WIDTH, int(axis_y + BOTTOM), LABEL_W, bars, markers, axis_y, ticks)
