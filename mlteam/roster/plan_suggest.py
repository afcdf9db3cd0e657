"""The planner's "suggest": a small set of orientation switches or moves that brings every team
into its band, each step explained.

Greedy and explainable rather than optimal: repeatedly take the team furthest outside its band
and try, in order, (1) switching the orientation of one of its own people, (2) moving in a
person of the missing orientation from a team that stays inside its band without them. A step
is only taken if it puts no other team outside its band. At most ``MAX_STEPS`` steps.
"""

from dataclasses import dataclass

from mlteam.roster.enums import Orientation
from mlteam.roster.models import Team
from mlteam.roster.plan_simulation import Person, all_teams, ratio_rows, roster_now, simulate
from mlteam.roster.selectors import RatioRow

MAX_STEPS = 8


@dataclass(frozen=True)
class Step:
    change: dict
    explanation: str


def _distance(row: RatioRow) -> float:
    if not row.outside_target:
        return 0.0
    return max(row.target_low - row.research_share, row.research_share - row.target_high)


def _outside(people: dict, teams: list[Team]) -> dict[int, RatioRow]:
    rows, _ = ratio_rows(people, teams)
    return {row.team.pk: row for row in rows}


def _candidates(people: dict, team: Team, row: RatioRow, teams: list[Team]):
    too_much_research = row.research_share > row.target_high
    have = Orientation.RESEARCH if too_much_research else Orientation.PRODUCTION
    need = Orientation.PRODUCTION if too_much_research else Orientation.RESEARCH
    lead_id = team.lead_id
    own = [
        p
        for p in people.values()
        if p.member_id and p.team_id == team.pk and p.orientation == have and p.member_id != lead_id
    ]
    for person in sorted(own, key=lambda p: (p.embedded_in_id is not None, p.name)):
        yield {"kind": "orientation", "member": person.member_id, "orientation": need.value}
    others = [
        p
        for p in people.values()
        if p.member_id and p.team_id != team.pk and p.orientation == need and not p.embedded_in_id
    ]
    for person in sorted(others, key=lambda p: p.name):
        yield {"kind": "move", "member": person.member_id, "team": team.pk}


def _explain(change: dict, person: Person, before: RatioRow, after: RatioRow, names) -> str:
    what = (
        f"Switch {person.name} to {change['orientation']}"
        if change["kind"] == "orientation"
        else f"Move {person.name} ({person.orientation}) from {names[person.team_id]} to "
        f"{names[change['team']]}"
    )
    return (
        f"{what}: {before.team.name} goes from {before.research_share:.0%} to "
        f"{after.research_share:.0%} research (band {after.target_low:.0%}–"
        f"{after.target_high:.0%}); no other team leaves its band."
    )


def suggest(changes: list[dict] | None = None) -> list[Step]:
    """Steps that, on top of ``changes`` (an existing draft, or nothing), bring teams into their
    bands. Teams no single step can help are left as they are (the result says what it did)."""
    teams = all_teams()
    names = {t.pk: t.name for t in teams}
    people = simulate(roster_now(), changes or [])
    steps: list[Step] = []
    stuck: set[int] = set()
    while len(steps) < MAX_STEPS:
        rows = _outside(people, teams)
        bad = [r for r in rows.values() if r.outside_target and r.team.pk not in stuck]
        if not bad:
            break
        row = max(bad, key=_distance)
        step = _best_step(people, row, rows, teams, names)
        if step is None:
            stuck.add(row.team.pk)
            continue
        steps.append(step)
        people = simulate(people, [step.change])
    return steps


def _best_step(people, row, rows, teams, names) -> Step | None:
    for change in _candidates(people, row.team, row, teams):
        after_people = simulate(people, [change])
        after = _outside(after_people, teams)
        helped = _distance(after[row.team.pk]) < _distance(row)
        harmed = any(
            after[pk].outside_target and not rows[pk].outside_target for pk in after
        ) or any(_distance(after[pk]) > _distance(rows[pk]) for pk in after if pk != row.team.pk)
        if helped and not harmed:
            person = people[change["member"]]
            return Step(change, _explain(change, person, row, after[row.team.pk], names))
    return None
