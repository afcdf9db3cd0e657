"""Geometry of the roster's server-rendered SVG charts; the templates only draw what is here.

No JavaScript and no colour-only meaning: every bar carries its numbers as text, production is
hatched as well as coloured, target bands are dashed outlines and outside rows say so in words.
"""

from dataclasses import dataclass, field
from datetime import datetime

from mlteam.roster.selectors import RatioHistory, RatioRow, Series

# Ratio bars: label column | bar (0 to 100 % research share) | numbers column
LABEL_W, BAR_X, BAR_W, ROW_H, BAR_H, TOP = 200, 210, 380, 34, 16, 34
NUMBERS_X = BAR_X + BAR_W + 14
RATIO_WIDTH = NUMBERS_X + 250
TICKS = (0, 0.25, 0.5, 0.75, 1)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def band_text(row: RatioRow) -> str:
    if row.target_share is None:
        return "no target"
    return f"target {_pct(row.target_low)}–{_pct(row.target_high)}"


def status_text(row: RatioRow) -> str:
    return {
        "below": f"▼ below {band_text(row)}",
        "above": f"▲ above {band_text(row)}",
        "within": f"✓ within {band_text(row)}",
        "no target": "no target set",
        "nobody": "",
    }[row.status]


@dataclass
class Bar:
    row: RatioRow
    label: str
    y: float
    research_w: float
    band_x: float | None
    band_w: float | None
    target_x: float | None
    counts: str
    status: str

    @property
    def text_y(self) -> float:
        return self.y + BAR_H - 3

    @property
    def production_x(self) -> float:
        return BAR_X + self.research_w

    @property
    def production_w(self) -> float:
        return BAR_W - self.research_w if self.row.total else 0

    @property
    def band_y(self) -> float:
        return self.y - 5

    @property
    def band_bottom(self) -> float:
        return self.y + BAR_H + 5

    @property
    def band_h(self) -> float:
        return BAR_H + 10

    @property
    def counts_y(self) -> float:
        return self.y + 6

    @property
    def status_y(self) -> float:
        return self.y + 19

    @property
    def row_y(self) -> float:
        return self.y - 8


@dataclass
class RatioChart:
    bars: list[Bar]
    width: int
    height: int
    ticks: list[tuple[float, str]]
    bar_x: int = BAR_X
    bar_w: int = BAR_W
    bar_h: int = BAR_H
    numbers_x: int = NUMBERS_X
    label_x: int = LABEL_W

    @property
    def axis_title_x(self) -> float:
        return self.bar_x - 16

    @property
    def legend_y(self) -> float:
        return self.height - 12

    @property
    def grid_bottom(self) -> float:
        return self.height - 30


def _bar(row: RatioRow, y: float, label: str) -> Bar:
    band_x = band_w = target_x = None
    if row.target_share is not None:
        band_x = BAR_X + row.target_low * BAR_W
        band_w = max(2.0, (row.target_high - row.target_low) * BAR_W)
        target_x = BAR_X + row.target_share * BAR_W
    embedded = f" (incl. {row.embedded} embedded)" if row.embedded else ""
    counts = (
        f"{_pct(row.research_share)} research · {row.research} R / {row.production} P{embedded}"
    )
    return Bar(
        row=row,
        label=_short(label, 30),
        y=y,
        research_w=(row.research_share or 0) * BAR_W,
        band_x=band_x,
        band_w=band_w,
        target_x=target_x,
        counts=counts if row.total else "no members",
        status=status_text(row),
    )


def ratio_chart(rows: list[RatioRow], overall: RatioRow | None = None) -> RatioChart:
    """Horizontal 100 % bars: research share per team, the target band drawn over each bar."""
    labelled = ([(overall, "All (each person once)")] if overall is not None else []) + [
        (row, row.team.name) for row in rows
    ]
    return labelled_chart(labelled)


def compare_chart(pairs: list[tuple[RatioRow, RatioRow]], overall=None) -> RatioChart:
    """The planner's chart: for each team its bar now and, right below, its bar after the plan
    (``pairs`` of (now, planned) rows; ``overall`` the same pair for the organisation)."""
    labelled = []
    for now, planned in ([overall] if overall else []) + pairs:
        name = now.team.name if now.team is not None else "All"
        labelled += [(now, f"{_short(name, 19)} · now"), (planned, f"{_short(name, 15)} · planned")]
    return labelled_chart(labelled)


def labelled_chart(labelled: list[tuple[RatioRow, str]]) -> RatioChart:
    bars = [_bar(row, TOP + i * ROW_H, label) for i, (row, label) in enumerate(labelled)]
    ticks = [(BAR_X + t * BAR_W, f"{t:.0%}") for t in TICKS]
    return RatioChart(
        bars=bars, width=RATIO_WIDTH, height=TOP + len(bars) * ROW_H + 34, ticks=ticks
    )


# History small multiples: one panel per team, share 0 to 100 % over the last months
PANEL_W, PANEL_H = 260, 120
PLOT_X, PLOT_Y, PLOT_W, PLOT_H = 34, 10, 214, 80


@dataclass
class Panel:
    series: Series
    title: str
    lines: list[str]
    reference: str
    bands: list[str]  # polygons of the target band over time (it may change, or be unset)
    last_x: float | None
    last_y: float | None
    last_label: str
    summary: str
    outside: bool
    gridlines: list[tuple[float, str]] = field(default_factory=list)
    trajectory: list[str] = field(default_factory=list)  # the target's aim over time (dashed)
    trajectory_label: str = ""  # where the trajectory goes next, e.g. "35% by 01 Dec 2027"


@dataclass
class HistoryChart:
    panels: list[Panel]
    start_label: str
    end_label: str
    width: int = PANEL_W
    height: int = PANEL_H
    plot_x: int = PLOT_X
    plot_y: int = PLOT_Y
    plot_w: int = PLOT_W
    plot_h: int = PLOT_H

    @property
    def plot_right(self) -> int:
        return PLOT_X + PLOT_W

    @property
    def axis_label_y(self) -> int:
        return PLOT_Y + PLOT_H + 16


def _xy(i: int, n: int, share: float) -> tuple[float, float]:
    x = PLOT_X + (PLOT_W * i / (n - 1) if n > 1 else 0)
    return round(x, 1), round(PLOT_Y + (1 - share) * PLOT_H, 1)


def _polylines(shares: list[float | None]) -> list[str]:
    """Points of the line, split where the team had nobody (no share to draw)."""
    lines, current, n = [], [], len(shares)
    for i, share in enumerate(shares):
        if share is None:
            if current:
                lines.append(" ".join(current))
            current = []
            continue
        x, y = _xy(i, n, share)
        current.append(f"{x},{y}")
    if current:
        lines.append(" ".join(current))
    return lines


def _band_polygons(bands: list[tuple[float, float] | None]) -> list[str]:
    """One rectangle per stretch with the same target, from its first sample to the next
    stretch (a step, as targets change at a moment), none where there was no target."""
    polygons, n, start = [], len(bands), 0
    for i in range(1, n + 1):
        if i < n and bands[i] == bands[start]:
            continue
        if bands[start] is not None:
            low, high = bands[start]
            (x0, top), (x1, bottom) = _xy(start, n, high), _xy(min(i, n - 1), n, low)
            polygons.append(f"{x0},{top} {x1},{top} {x1},{bottom} {x0},{bottom}")
        start = i
    return polygons


def _panel(series: Series, overall: Series, title: str, start: datetime) -> Panel:
    latest, shares = series.latest, series.shares
    known = [(i, s) for i, s in enumerate(shares) if s is not None]
    last_x = last_y = None
    if known:
        last_x, last_y = _xy(known[-1][0], len(shares), known[-1][1])
    first = next((s for s in shares if s is not None), None)
    summary = (
        f"Research share of {title}: {_pct(first)} on {start:%d %b %Y}, {_pct(shares[-1])} now"
        f" ({status_text(latest)})."
    )
    reference = _polylines(overall.shares) if series is not overall else []
    return Panel(
        series=series,
        title=title,
        lines=_polylines(shares),
        reference=reference[0] if len(reference) == 1 else " ".join(reference),
        bands=_band_polygons(series.bands),
        last_x=last_x,
        last_y=last_y,
        last_label=_pct(shares[-1]),
        summary=summary,
        outside=latest.outside_target,
        gridlines=[(PLOT_Y + (1 - t) * PLOT_H, f"{t:.0%}") for t in (0, 0.5, 1)],
        trajectory=_trajectory(series),
        trajectory_label=_trajectory_label(series),
    )


def _trajectory(series: Series) -> list[str]:
    """The aim of the target band at each point (its middle), drawn only for teams whose target
    moves (a maturity trajectory or a changed target)."""
    aims = [None if band is None else (band[0] + band[1]) / 2 for band in series.bands]
    if len({a for a in aims if a is not None}) < 2:
        return []
    return _polylines(aims)


def _trajectory_label(series: Series) -> str:
    target = getattr(series.team, "orientation_target", None) if series.team else None
    if target is None or not target.schedule:
        return ""
    last = target.schedule[-1]
    return f"trajectory: {float(last['share']):.0%} research by {last['on']}"


def history_chart(history: RatioHistory) -> HistoryChart:
    """Small multiples: one panel per team (and one for everyone), target band shaded, the
    overall share as a dotted reference line in every team panel."""
    start = history.points[0]
    panels = [_panel(history.overall, history.overall, "Whole organisation", start)]
    panels += [_panel(s, history.overall, s.team.name, start) for s in history.teams]
    return HistoryChart(
        panels=panels,
        start_label=f"{start:%b %Y}",
        end_label=f"{history.points[-1]:%b %Y}",
    )
