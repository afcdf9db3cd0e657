"""Teams, members and the research/production ratio: read by everyone over the API.

Roster changes are the ML leads' job in the admin, through the roster services.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from mlteam.api import filters, selectors
from mlteam.api.serializers import roster as s
from mlteam.api.views.registry import parse_at
from mlteam.kernel.errors import NotFound
from mlteam.roster.models import Team
from mlteam.roster.selectors import ratio_by_team, ratio_overall


class TeamList(generics.ListAPIView):
    """Teams of every topology (ML, platform, agent, product, hybrid) with their targets."""

    serializer_class = s.TeamSerializer
    filterset_class = filters.TeamFilter
    ordering_fields = ["slug", "name"]
    ordering = "slug"

    def get_queryset(self):
        return selectors.teams_for_api()


class TeamDetail(generics.GenericAPIView):
    serializer_class = s.TeamSerializer

    def get(self, request, slug: str):
        team = selectors.teams_for_api().filter(slug=slug).first()
        if team is None:
            raise NotFound("not_found", f"There is no team '{slug}'; see GET /api/v1/teams/.")
        return Response(s.TeamSerializer(team).data)


class MemberList(generics.ListAPIView):
    """The roster: who is on which team, in which role, with which orientation."""

    serializer_class = s.MemberSerializer
    filterset_class = filters.MemberFilter
    ordering_fields = ["id", "joined_on"]
    ordering = "id"

    def get_queryset(self):
        return selectors.members_for_api()


class MemberDetail(generics.GenericAPIView):
    serializer_class = s.MemberSerializer

    def get(self, request, username: str):
        member = selectors.members_for_api().filter(user__username=username).first()
        if member is None:
            raise NotFound("not_found", f"'{username}' is not on the roster.")
        return Response(s.MemberSerializer(member).data)


class Ratio(generics.GenericAPIView):
    serializer_class = s.RatioSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("team", OpenApiTypes.STR, description="Only this team (slug)."),
            OpenApiParameter(
                "at", OpenApiTypes.DATETIME, description="ISO 8601 moment (default: now)."
            ),
        ]
    )
    def get(self, request):
        """Research/production counts and share, per team and overall, against each target."""
        at = parse_at(request.query_params.get("at"))
        slug = request.query_params.get("team")
        teams = None
        if slug:
            teams = list(Team.objects.filter(slug=slug))
            if not teams:
                raise NotFound("not_found", f"There is no team '{slug}'; see GET /api/v1/teams/.")
        body = {
            "at": at,
            "overall": ratio_overall(at=at),
            "teams": ratio_by_team(at=at, teams=teams),
        }
        return Response(s.RatioSerializer(body).data)
