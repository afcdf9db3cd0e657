"""Reads of teams together with the models they own and use (the team list and team page).

They live in the registry layer because they join the roster with the registry's models.
"""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from mlteam.kernel.enums import Stage
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.models import MLTeamMember, ModelConsumer, Team, TeamInteraction
from mlteam.roster.selectors import RatioRow, ratio_by_team


def _count_of(model, field: str, **filters):
    """A correlated COUNT subquery: several of them do not multiply rows like joined Counts."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def team_list(*, kind: str = "", q: str = "") -> QuerySet[Team]:
    """Teams with their lead, target and counts (members, embedded, models owned/consumed)."""

    teams = Team.objects.select_related("lead__user", "orientation_target").annotate(
        member_count=_count_of(MLTeamMember, "team", left_on__isnull=True),
        embedded_count=_count_of(MLTeamMember, "embedded_in", left_on__isnull=True),
        models_owned=_count_of(Model, "team"),
        models_consumed=_count_of(ModelConsumer, "team"),
    )
    if kind:
        teams = teams.filter(kind=kind)
    if q:
        teams = teams.filter(Q(name__icontains=q) | Q(mission__icontains=q))
    return teams.order_by("name")


@dataclass
class TeamPage:
    team: Team
    ratio: RatioRow
    members: list[MLTeamMember]
    embedded: list[MLTeamMember]
    models: list
    consumed: list
    interactions: list


def team_page(team: Team) -> TeamPage:
    """Everything the team page shows, in a fixed number of queries."""

    people = MLTeamMember.objects.filter(left_on__isnull=True).select_related(
        "user", "role", "team", "embedded_in"
    )
    production = Prefetch(
        "artifacts",
        queryset=ModelArtifact.objects.filter(status=Stage.PRODUCTION).only(
            "id", "model_id", "version", "status"
        ),
        to_attr="in_production",
    )
    return TeamPage(
        team=team,
        ratio=ratio_by_team(teams=[team])[0],
        members=list(people.filter(team=team).order_by("orientation", "user__last_name")),
        embedded=list(people.filter(embedded_in=team).order_by("user__last_name")),
        models=list(team.models.order_by("name").prefetch_related(production)),
        consumed=list(
            ModelConsumer.objects.filter(team=team)
            .select_related("model__team")
            .order_by("model__name")
        ),
        interactions=list(
            TeamInteraction.objects.filter(Q(from_team=team) | Q(to_team=team)).select_related(
                "from_team", "to_team"
            )
        ),
    )
