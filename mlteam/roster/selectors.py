"""Reads of the roster: the research/production ratio (now, at any past moment, over time),
the breakdown by role and gate-owner coverage. Bounded in queries whatever the roster's size.

How people are counted:
- The ratio at a moment comes from the RosterPeriods valid then (``valid_from <= at <
  valid_to``), never from today's roster, so a past date gives exactly what the roster was.
- A team's ratio counts its primary members **plus the members embedded in it** (a hybrid team
  is staffed by them); ``embedded_research`` / ``embedded_production`` say how many of the counts
  are embedded people. An embedded person still counts in their primary team too.
- The overall ratio counts each person once, whatever their embedding.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mlteam.roster.enums import Orientation
from mlteam.roster.models import (
    MLTeamMember,
    OrientationTargetChange,
    Role,
    RosterPeriod,
    Team,
    target_band,
)

RESEARCH, PRODUCTION = Orientation.RESEARCH.value, Orientation.PRODUCTION.value
_EPSILON = 1e-9


@dataclass(frozen=True)
class RatioRow:
    """Research/production counts of one team (``team=None``: the whole organisation)."""

    team: Team | None
    research: int
    production: int
    total: int
    research_share: float | None
    target_low: float | None
    target_high: float | None
    target_share: float | None
    outside_target: bool
    embedded_research: int = 0
    embedded_production: int = 0

    @property
    def embedded(self) -> int:
        return self.embedded_research + self.embedded_production

    @property
    def status(self) -> str:
        """ "below", "above", "within", "no target" or "nobody" — written out next to colours."""
        if self.total == 0:
            return "nobody"
        if self.target_share is None:
            return "no target"
        if not self.outside_target:
            return "within"
        return "below" if self.research_share < self.target_low else "above"


def make_row(
    team: Team | None, counts: dict, embedded: dict | None = None, at: datetime | None = None
) -> RatioRow:
    """The counts of ``team`` against its band at ``at`` (today by default; a maturity
    trajectory moves the band between its dates)."""
    research, production = counts.get(RESEARCH, 0), counts.get(PRODUCTION, 0)
    total = research + production
    share = research / total if total else None
    target = getattr(team, "orientation_target", None) if team is not None else None
    low = high = target_share = None
    if target is not None:
        low, high, target_share = target.band_at(at)
    outside = (
        share is not None and low is not None and not low - _EPSILON <= share <= high + _EPSILON
    )
    embedded = embedded or {}
    return RatioRow(
        team=team,
        research=research,
        production=production,
        total=total,
        research_share=share,
        target_low=low,
        target_high=high,
        target_share=target_share,
        outside_target=outside,
        embedded_research=embedded.get(RESEARCH, 0),
        embedded_production=embedded.get(PRODUCTION, 0),
    )


def periods_at(at: datetime | None = None) -> QuerySet[RosterPeriod]:
    """The RosterPeriods in force at ``at`` (default now: the open ones)."""
    if at is None:
        return RosterPeriod.objects.filter(valid_to__isnull=True)
    return RosterPeriod.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=at), valid_from__lte=at
    )


def _teams(teams) -> list[Team]:
    queryset = Team.objects.select_related("orientation_target", "lead__user").order_by("name")
    if teams is None:
        return list(queryset)
    ids = [getattr(team, "pk", team) for team in teams]
    return list(queryset.filter(pk__in=ids))


def _grouped(rows: Iterable[tuple[int, str, int]]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for key, orientation, n in rows:
        counts[key][orientation] = n
    return counts


def _team_rows(teams: list[Team], primary: dict, embedded: dict, at=None) -> list[RatioRow]:
    rows = []
    for team in teams:
        own, guests = primary.get(team.pk, {}), embedded.get(team.pk, {})
        both = {o: own.get(o, 0) + guests.get(o, 0) for o in (RESEARCH, PRODUCTION)}
        rows.append(make_row(team, both, guests, at))
    return rows


def _counts_by_team(queryset: QuerySet, team_ids: list[int] | None) -> tuple[dict, dict]:
    primary = queryset.values_list("team_id", "orientation").annotate(n=Count("id")).order_by()
    embedded = (
        queryset.filter(embedded_in__isnull=False)
        .values_list("embedded_in_id", "orientation")
        .annotate(n=Count("id"))
        .order_by()
    )
    if team_ids is not None:
        primary = primary.filter(team_id__in=team_ids)
        embedded = embedded.filter(embedded_in_id__in=team_ids)
    return _grouped(primary), _grouped(embedded)


def ratio_by_team(*, at: datetime | None = None, teams=None) -> list[RatioRow]:
    """One RatioRow per team (all teams, or the given Teams / ids), ordered by name. 3 queries."""
    team_list = _teams(teams)
    ids = None if teams is None else [team.pk for team in team_list]
    primary, embedded = _counts_by_team(periods_at(at), ids)
    return _team_rows(team_list, primary, embedded, at)


def ratio_overall(*, at: datetime | None = None) -> RatioRow:
    """The whole organisation, each person counted once. 1 query."""
    counts = dict(periods_at(at).values_list("orientation").annotate(n=Count("id")).order_by())
    return make_row(None, counts)


def ratio_of_members(members: QuerySet[MLTeamMember], *, teams=None) -> list[RatioRow]:
    """Per-team ratio of exactly the given members (e.g. the admin changelist's filtered list),
    for the teams they belong to or are embedded in (or only ``teams``). 3 queries."""
    primary, embedded = _counts_by_team(members.order_by(), None)
    ids = set(primary) | set(embedded)
    if teams is not None:
        ids &= {getattr(team, "pk", team) for team in teams}
    return _team_rows(_teams(ids), primary, embedded)


def ratio_of_members_overall(members: QuerySet[MLTeamMember]) -> RatioRow:
    counts = dict(members.order_by().values_list("orientation").annotate(n=Count("id")))
    return make_row(None, counts)


@dataclass
class Series:
    team: Team | None
    shares: list[float | None]
    totals: list[int]
    latest: RatioRow
    # The team's target band (low, high) at each point, as it was then; None: no target then.
    bands: list[tuple[float, float] | None] = field(default_factory=list)


@dataclass
class RatioHistory:
    points: list[datetime]
    overall: Series
    teams: list[Series] = field(default_factory=list)


def history_points(end: datetime, *, months: int = 12, step_days: int = 7) -> list[datetime]:
    """Sample moments from ``months`` ago to ``end`` (inclusive), every ``step_days``."""
    start = end - timedelta(days=round(months * 365 / 12))
    points, moment = [], start
    while moment < end:
        points.append(moment)
        moment += timedelta(days=step_days)
    return [*points, end]


def ratio_history(
    *, end: datetime | None = None, months: int = 12, step_days: int = 7, teams=None
) -> RatioHistory:
    """The research share per team and overall at regular moments over the last ``months``,
    computed from the RosterPeriods valid at each moment (one query for them, one for teams)."""
    end = end or timezone.now()
    points = history_points(end, months=months, step_days=step_days)
    team_list = _teams(teams)
    periods = RosterPeriod.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=points[0]), valid_from__lte=end
    ).values_list("team_id", "embedded_in_id", "orientation", "valid_from", "valid_to")
    n = len(points)
    # counts[key][orientation][i]: people of that orientation counted for key at points[i]
    counts = defaultdict(lambda: {RESEARCH: [0] * n, PRODUCTION: [0] * n})
    for team_id, embedded_id, orientation, valid_from, valid_to in periods.iterator():
        first = bisect_left(points, valid_from)
        stop = n if valid_to is None else bisect_left(points, valid_to)
        keys = [None, team_id] + ([("embedded", embedded_id)] if embedded_id else [])
        for key in keys:
            line = counts[key][orientation]
            for i in range(first, stop):
                line[i] += 1
    bands = target_bands(points, team_list)
    teams = []
    for team in team_list:
        series = _series(team, counts[team.pk], counts.get(("embedded", team.pk)))
        series.bands = bands[team.pk]
        teams.append(series)
    return RatioHistory(points=points, overall=_series(None, counts[None], None), teams=teams)


def target_bands(points: list[datetime], teams: list[Team]) -> dict[int, list]:
    """Each team's target band at every point, from its recorded target changes
    (OrientationTargetChange; one query), so a lowered target shows where it was lowered.
    A team whose target predates the recorded changes keeps its current band throughout."""
    changes = defaultdict(list)
    rows = OrientationTargetChange.objects.filter(team__in=teams, at__lte=points[-1]).order_by(
        "at", "id"
    )
    for team_id, at, share, tolerance, removed, schedule in rows.values_list(
        "team_id", "at", "target_research_share", "tolerance", "removed", "schedule"
    ):
        changes[team_id].append((at, (share, tolerance, removed, schedule)))
    bands = {}
    for team in teams:
        target = getattr(team, "orientation_target", None)
        if not changes[team.pk]:
            bands[team.pk] = [target.band_at(p)[:2] if target else None for p in points]
            continue
        line, current, pending = [], None, iter(changes[team.pk])
        upcoming = next(pending, None)
        for point in points:
            while upcoming is not None and upcoming[0] <= point:
                current, upcoming = upcoming[1], next(pending, None)
            line.append(
                None if current is None else target_band(*current, day=timezone.localdate(point))
            )
        bands[team.pk] = line
    return bands


def _series(team: Team | None, own: dict, guests: dict | None) -> Series:
    n = len(own[RESEARCH])
    research = [own[RESEARCH][i] + (guests[RESEARCH][i] if guests else 0) for i in range(n)]
    production = [own[PRODUCTION][i] + (guests[PRODUCTION][i] if guests else 0) for i in range(n)]
    totals = [r + p for r, p in zip(research, production, strict=True)]
    shares = [r / t if t else None for r, t in zip(research, totals, strict=True)]
    latest = make_row(team, {RESEARCH: research[-1], PRODUCTION: production[-1]})
    return Series(team=team, shares=shares, totals=totals, latest=latest)


@dataclass(frozen=True)
class RoleRow:
    role: Role
    research: int
    production: int

    @property
    def total(self) -> int:
        return self.research + self.production


def role_breakdown(*, at: datetime | None = None) -> list[RoleRow]:
    """Active people per role and orientation at ``at`` (default now), largest role first."""
    counts = _grouped(periods_at(at).values_list("role_id", "orientation").annotate(n=Count("id")))
    roles = Role.objects.filter(pk__in=counts)
    rows = [
        RoleRow(role, counts[role.pk].get(RESEARCH, 0), counts[role.pk].get(PRODUCTION, 0))
        for role in roles
    ]
    return sorted(rows, key=lambda row: (-row.total, row.role.name))
