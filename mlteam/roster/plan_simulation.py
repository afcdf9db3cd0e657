"""What a rebalancing plan would do, computed in memory from today's roster: each team's and
the organisation's ratio and the role holders before and after (used by the planner's preview,
its "suggest" and the checks' gate-owner coverage)."""

from collections import defaultdict
from dataclasses import dataclass, field

from mlteam.roster.models import MLTeamMember, Role, Team
from mlteam.roster.selectors import (
    PRODUCTION,
    RESEARCH,
    RatioRow,
    make_row,
    periods_at,
    ratio_overall,
)


# -- the people a plan works on ----------------------------------------------------------------
@dataclass
class Person:
    """One person as the simulation sees them (a hire placeholder has ``member_id=None``)."""

    member_id: int | None
    name: str
    role_id: int
    orientation: str
    team_id: int
    embedded_in_id: int | None
    active: bool = True


def state_of(member: MLTeamMember) -> dict:
    return {
        "role": member.role_id,
        "orientation": member.orientation,
        "team": member.team_id,
        "embedded_in": member.embedded_in_id,
        "active": member.is_active,
    }


def roster_now() -> dict[int, Person]:
    """Today's active people, keyed by member id (one query)."""
    rows = periods_at().select_related("member__user")
    return {
        p.member_id: Person(
            p.member_id, p.member.display_name, p.role_id, p.orientation, p.team_id,
            p.embedded_in_id,
        )
        for p in rows
    }  # fmt: skip


def _apply_to(people: dict, change: dict, index: int) -> None:
    kind = change["kind"]
    if kind == "hire":
        people[f"hire-{index}"] = Person(
            None, change.get("title") or "Hire", change["role"], change["orientation"],
            change["team"], None,
        )  # fmt: skip
        return
    person = people.get(change["member"])
    if person is None:
        return
    if kind == "leave":
        person.active = False
    elif kind == "move":
        person.team_id = change["team"]
        if person.embedded_in_id == person.team_id:
            person.embedded_in_id = None
    elif kind == "embed":
        person.embedded_in_id = change["team"]
    elif kind == "orientation":
        person.orientation = change["orientation"]
    elif kind == "role":
        person.role_id = change["role"]


def simulate(people: dict[int, Person], changes: list[dict]) -> dict:
    """People after ``changes`` (a copy; the input is left alone)."""
    after = {key: Person(**vars(person)) for key, person in people.items()}
    for index, change in enumerate(changes):
        _apply_to(after, change, index)
    return {key: p for key, p in after.items() if p.active}


def ratio_rows(people: dict, teams: list[Team]) -> tuple[list[RatioRow], RatioRow]:
    primary = defaultdict(lambda: defaultdict(int))
    guests = defaultdict(lambda: defaultdict(int))
    overall = defaultdict(int)
    for person in people.values():
        primary[person.team_id][person.orientation] += 1
        overall[person.orientation] += 1
        if person.embedded_in_id:
            guests[person.embedded_in_id][person.orientation] += 1
    rows = []
    for team in teams:
        own, embedded = primary.get(team.pk, {}), guests.get(team.pk, {})
        both = {o: own.get(o, 0) + embedded.get(o, 0) for o in (RESEARCH, PRODUCTION)}
        rows.append(make_row(team, both, dict(embedded)))
    return rows, make_row(None, dict(overall))


def role_holders(people: dict) -> dict[int, int]:
    counts = defaultdict(int)
    for person in people.values():
        counts[person.role_id] += 1
    return dict(counts)


# -- the preview -------------------------------------------------------------------------------
@dataclass
class TeamEffect:
    team: Team
    now: RatioRow
    planned: RatioRow

    @property
    def changed(self) -> bool:
        return (self.now.research, self.now.production) != (
            self.planned.research,
            self.planned.production,
        )


@dataclass
class PlanPreview:
    teams: list[TeamEffect]
    overall_now: RatioRow
    overall_planned: RatioRow
    holders_now: dict[int, int]
    holders_planned: dict[int, int]
    descriptions: list[str] = field(default_factory=list)

    @property
    def outside_now(self) -> int:
        return sum(1 for t in self.teams if t.now.outside_target)

    @property
    def outside_planned(self) -> int:
        return sum(1 for t in self.teams if t.planned.outside_target)


def all_teams() -> list[Team]:
    return list(Team.objects.select_related("orientation_target").order_by("name"))


def plan_preview(changes: list[dict]) -> PlanPreview:
    """Each team's and the organisation's ratio now and after ``changes``, and how many people
    hold each role before and after (gate-owner coverage). Four queries."""
    teams = all_teams()
    people = roster_now()
    after = simulate(people, changes)
    now_rows, _ = ratio_rows(people, teams)
    planned_rows, overall_planned = ratio_rows(after, teams)
    return PlanPreview(
        teams=[TeamEffect(t, n, p) for t, n, p in zip(teams, now_rows, planned_rows, strict=True)],
        overall_now=ratio_overall(),
        overall_planned=overall_planned,
        holders_now=role_holders(people),
        holders_planned=role_holders(after),
        descriptions=describe_changes(changes, people, teams),
    )


def describe_changes(changes: list[dict], people: dict, teams: list[Team]) -> list[str]:
    """Each change in words ("Ada Moreau: research → production")."""
    team_names = {t.pk: t.name for t in teams}
    roles = dict(Role.objects.values_list("pk", "name"))
    words = []
    for change in changes:
        kind, person = change["kind"], people.get(change.get("member"))
        who = person.name if person else f"member #{change.get('member')}"
        if kind == "hire":
            words.append(
                f"Hire: {change.get('title') or 'placeholder'} — {roles.get(change['role'])}, "
                f"{change['orientation']}, in {team_names.get(change['team'])}"
            )
        elif kind == "leave":
            words.append(f"{who} leaves")
        elif kind == "move":
            words.append(f"{who}: move to {team_names.get(change['team'])}")
        elif kind == "embed":
            target = team_names.get(change["team"]) if change["team"] else None
            words.append(f"{who}: " + (f"embed in {target}" if target else "end embedding"))
        elif kind == "orientation":
            words.append(f"{who}: switch to {change['orientation']}")
        elif kind == "role":
            words.append(f"{who}: role → {roles.get(change['role'])}")
    return words
