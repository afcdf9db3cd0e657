"""The organisation as a picture: teams in one lane per kind, edges for Team Topologies
interactions, model consumption and embedded members. Layout is computed here, drawn by
``templates/roster/includes/topology_svg.html``; reads are a fixed handful of queries.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from mlteam.roster.enums import InteractionMode, TeamKind
from mlteam.roster.models import MLTeamMember, ModelConsumer, Team, TeamInteraction
from mlteam.roster.selectors import RatioRow, ratio_by_team

# Bands top to bottom: stream-aligned teams first, the platform underneath everyone (as Team
# Topologies draws it). A band wraps into several rows when it has more than PER_ROW teams.
LANES = [TeamKind.PRODUCT, TeamKind.AGENT, TeamKind.HYBRID, TeamKind.ML, TeamKind.PLATFORM]
BOX_W, BOX_H, COL_GAP, ROW_GAP, PER_ROW = 188, 58, 30, 22, 5
PAD_X, HEADER_H, BAND_GAP = 24, 30, 48
WIDTH = PAD_X * 2 + PER_ROW * BOX_W + (PER_ROW - 1) * COL_GAP

EDGE_KINDS = {
    InteractionMode.COLLABORATION.value: ("Collaboration", "solid thick line, no arrow"),
    InteractionMode.X_AS_A_SERVICE.value: ("X-as-a-service", "dashed line, arrow to the consumer"),
    InteractionMode.FACILITATING.value: ("Facilitating", "dotted line, arrow to the team helped"),
    "consumes": ("Uses models of", "thin grey line, arrow to the owning team"),
    "embedded": ("Embedded members", "dash-dot line, arrow to the team they work inside"),
}


@dataclass
class Node:
    team: Team
    ratio: RatioRow
    x: float
    y: float
    band: int = 0
    embedded_from: list[tuple[str, int]] = field(default_factory=list)

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def name(self) -> str:
        name = self.team.name
        return name if len(name) <= 26 else name[:25] + "…"

    @property
    def facts(self) -> str:
        r = self.ratio
        if not r.total:
            return "no members"
        return f"{r.total} people · {r.research_share:.0%} research"

    @property
    def extra(self) -> str:
        if self.ratio.outside_target:
            return f"⚠ {self.ratio.status} target"
        if self.embedded_from:
            return f"+{sum(n for _, n in self.embedded_from)} embedded"
        return ""


@dataclass
class Edge:
    kind: str
    source: Node
    target: Node
    label: str
    detail: str
    path: str = ""
    label_x: float = 0
    label_y: float = 0

    @property
    def kind_label(self) -> str:
        return EDGE_KINDS[self.kind][0]


@dataclass
class Lane:
    kind: str
    label: str
    y: float
    height: float
    count: int

    @property
    def title_y(self) -> float:
        return self.y + 20


@dataclass
class Topology:
    nodes: list[Node]
    edges: list[Edge]
    lanes: list[Lane]
    width: float
    height: float
    legend: list[tuple[str, str, str]]
    box_w: int = BOX_W
    box_h: int = BOX_H


@dataclass(frozen=True)
class Grid:
    """Columns spread over the whole width: with few teams per band they stand further apart."""

    columns: int

    @property
    def step(self) -> float:
        return (WIDTH - 2 * PAD_X - BOX_W) / (self.columns - 1)

    def x(self, column: int) -> float:
        return PAD_X + column * self.step

    def column(self, cx: float) -> int:
        return round((cx - PAD_X - BOX_W / 2) / self.step)


def _grid(teams: list[Team]) -> Grid:
    per_kind = defaultdict(int)
    for team in teams:
        per_kind[team.kind] += 1
    return Grid(columns=min(PER_ROW, max(3, *per_kind.values(), 0)))


def _place(teams: list[Team], ratios: dict[int, RatioRow], grid: Grid):
    by_kind = defaultdict(list)
    for team in teams:
        by_kind[team.kind].append(team)
    nodes, lanes, y = [], [], 0.0
    for kind in LANES:
        members = by_kind.get(kind.value, [])
        rows = max(1, math.ceil(len(members) / grid.columns))
        for i, team in enumerate(members):
            row, column = divmod(i, grid.columns)
            in_row = min(grid.columns, len(members) - row * grid.columns)
            column = round((column + 0.5) * grid.columns / in_row - 0.5)  # spread, centred
            node_x = grid.x(column)
            node_y = y + HEADER_H + row * (BOX_H + ROW_GAP)
            nodes.append(Node(team, ratios[team.pk], node_x, node_y, band=len(lanes)))
        height = HEADER_H + rows * (BOX_H + ROW_GAP) if members else HEADER_H + 6
        lanes.append(Lane(kind.value, kind.label + "s", y, height, len(members)))
        y += height + BAND_GAP
    return nodes, lanes, y - BAND_GAP + 4


def _arrange(nodes: list[Node], edges: list[Edge], passes: int = 3) -> None:
    """Fewer crossings: within each row, order the teams by the mean position of the teams they
    are connected to (barycentre sweeps down and up, as layered graph drawing does). The slots
    themselves stay spread over the width, so a lone team stays centred."""
    neighbours = defaultdict(list)
    for edge in edges:
        if edge.source.band != edge.target.band:
            neighbours[id(edge.source)].append(edge.target)
            neighbours[id(edge.target)].append(edge.source)
    rows = defaultdict(list)
    for node in nodes:
        rows[(node.band, node.y)].append(node)
    order = sorted(rows)
    for sweep in range(passes * 2):
        for key in order if sweep % 2 == 0 else reversed(order):
            _order_row(rows[key], neighbours)


def _order_row(row: list[Node], neighbours) -> None:
    slots = sorted(node.x for node in row)

    def wanted(node: Node) -> float:
        others = neighbours[id(node)]
        return sum(o.cx for o in others) / len(others) if others else node.cx

    for node, x in zip(sorted(row, key=lambda n: (wanted(n), n.x)), slots, strict=True):
        node.x = x


def _sides(source: Node, target: Node) -> tuple[str, str]:
    if abs(source.y - target.y) < 1:
        return "bottom", "bottom"  # same row: loop through the gap below it
    return ("bottom", "top") if source.y < target.y else ("top", "bottom")


def _route(edges: list[Edge], nodes: list[Node] = (), lanes: list[Lane] = ()) -> None:
    """Cubic curves between box edges; ports spread along a side so edges do not coincide;
    labels kept off each other, the team boxes and the band titles."""
    ports: dict[tuple[int, str], list[Edge]] = defaultdict(list)
    for edge in edges:
        out_side, in_side = _sides(edge.source, edge.target)
        ports[(id(edge.source), out_side)].append(edge)
        ports[(id(edge.target), in_side)].append(edge)
    for group in ports.values():  # order ports by where the other end is, to avoid crossings
        group.sort(key=lambda e: e.source.cx + e.target.cx)

    def port(node: Node, side: str, edge: Edge) -> tuple[float, float]:
        group = ports[(id(node), side)]
        slot = (group.index(edge) + 1) / (len(group) + 1)
        return node.x + 12 + slot * (BOX_W - 24), node.y + (BOX_H if side == "bottom" else 0)

    # Labels must not sit on each other, on a team box or on a band's title: each is tried at
    # the curve's midpoint, then moved down (then up) a line at a time until it is free.
    taken: list[tuple[float, float, float, float]] = [  # x1, y1, x2, y2
        (n.x - 2, n.y - 2, n.x + BOX_W + 2, n.y + BOX_H + 2) for n in nodes
    ] + [
        (0, lane.title_y - 13, 12 + 8.5 * len(lane.label) + 40, lane.title_y + 4) for lane in lanes
    ]

    def free(box) -> bool:
        x1, y1, x2, y2 = box
        return all(x2 < a or x1 > c or y2 < b or y1 > d for a, b, c, d in taken)

    for edge in edges:
        out_side, in_side = _sides(edge.source, edge.target)
        x1, y1 = port(edge.source, out_side, edge)
        x2, y2 = port(edge.target, in_side, edge)
        if out_side == in_side:
            c1y = c2y = y1 + 36
        else:
            pull = max(30.0, abs(y2 - y1) / 2)
            c1y = y1 + pull if out_side == "bottom" else y1 - pull
            c2y = y2 - pull if in_side == "top" else y2 + pull
        edge.path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{c1y:.1f} {x2:.1f},{c2y:.1f} {x2:.1f},{y2:.1f}"
        lx, ly = (x1 + x2) / 2, (y1 + 3 * c1y + 3 * c2y + y2) / 8 + 4  # the midpoint, t = 0.5
        if edge.label:
            half = 3.2 * len(edge.label) + 3  # 10.5 px text: about 6.4 px a character

            def box(x: float, y: float, half: float = half):
                return (x - half, y - 11, x + half, y + 3)

            # nearest free spot: a line down or up at a time, then a little to either side
            moves = [(0, 0)] + [
                (dx, dy)
                for k in range(1, 13)
                for dx in (0, -45, 45, -90, 90)
                for dy in (12 * k, -12 * k)
            ]
            for dx, dy in moves:
                if free(box(lx + dx, ly + dy)):
                    lx, ly = lx + dx, ly + dy
                    break
            taken.append(box(lx, ly))
        edge.label_x, edge.label_y = round(lx, 1), round(ly, 1)


def topology() -> Topology:
    """The whole organisation laid out for the /topology/ picture. 7 queries."""
    ratios = {row.team.pk: row for row in ratio_by_team()}
    teams = [row.team for row in ratios.values()]
    grid = _grid(teams)
    nodes, lanes, height = _place(teams, ratios, grid)
    node_of = {node.team.pk: node for node in nodes}
    edges = []
    for i in TeamInteraction.objects.all():
        edges.append(
            Edge(
                i.mode,
                node_of[i.from_team_id],
                node_of[i.to_team_id],
                "",
                i.description or i.get_mode_display(),
            )
        )
    consumed = defaultdict(list)
    rows = ModelConsumer.objects.values_list("team_id", "model__team_id", "model__name")
    for team_id, owner_id, model in rows.order_by("model__name"):
        if team_id != owner_id:
            consumed[(team_id, owner_id)].append(model)
    for (team_id, owner_id), models in sorted(consumed.items()):
        label = f"uses {len(models)}" if len(models) > 1 else "uses 1"
        edges.append(
            Edge("consumes", node_of[team_id], node_of[owner_id], label, ", ".join(models))
        )
    embedded = (
        MLTeamMember.objects.filter(left_on__isnull=True, embedded_in__isnull=False)
        .values_list("team_id", "embedded_in_id")
        .annotate(n=Count("id"))
        .order_by("team_id", "embedded_in_id")
    )
    for team_id, host_id, n in embedded:
        source, host = node_of[team_id], node_of[host_id]
        host.embedded_from.append((source.team.name, n))
        edges.append(
            Edge(
                "embedded",
                source,
                host,
                f"{n} embedded",
                f"{n} member{'s' if n != 1 else ''} of {source.team.name} work inside "
                f"{host.team.name}",
            )
        )
    _arrange(nodes, edges)
    _route(edges, nodes, lanes)
    legend = [(kind, label, how) for kind, (label, how) in EDGE_KINDS.items()]
    return Topology(nodes, edges, lanes, WIDTH, height, legend)
