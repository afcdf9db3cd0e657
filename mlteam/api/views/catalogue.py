"""Handoff protocols, benchmarks and their leaderboards: read by everyone over the API.

Editing them is the ML leads' job in the admin, where the same services apply.
"""

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mlteam.api import filters, selectors
from mlteam.api.serializers import catalogue as s
from mlteam.evals.models import Benchmark
from mlteam.evals.selectors import leaderboard
from mlteam.kernel.enums import Stage
from mlteam.kernel.errors import NotFound
from mlteam.roster.models import Team

TOP, MAX_TOP = 100, 1000


class ProtocolList(generics.ListAPIView):
    """Handoff protocols with their gate criteria; the active ones are the state machine."""

    serializer_class = s.ProtocolSerializer
    filterset_class = filters.ProtocolFilter
    ordering_fields = ["id", "name"]
    ordering = "id"

    def get_queryset(self):
        return selectors.protocols_for_api()


class ProtocolDetail(generics.RetrieveAPIView):
    serializer_class = s.ProtocolSerializer
    queryset = selectors.protocols_for_api()
    filter_backends = []

    def get_object(self):
        protocol = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if protocol is None:
            raise NotFound("not_found", f"There is no handoff protocol #{self.kwargs['pk']}.")
        return protocol


class BenchmarkList(generics.ListAPIView):
    """The shared benchmarks everyone measures with."""

    serializer_class = s.BenchmarkSerializer
    filterset_class = filters.BenchmarkFilter
    ordering_fields = ["slug", "name"]
    ordering = "slug"

    def get_queryset(self):
        return selectors.benchmarks_for_api()


def benchmark_or_404(slug: str) -> Benchmark:
    benchmark = selectors.benchmarks_for_api().filter(slug=slug).first()
    if benchmark is None:
        raise NotFound("not_found", f"There is no benchmark '{slug}'; see GET /api/v1/benchmarks/.")
    return benchmark


class BenchmarkDetail(generics.GenericAPIView):
    serializer_class = s.BenchmarkSerializer

    def get(self, request, slug: str):
        return Response(s.BenchmarkSerializer(benchmark_or_404(slug)).data)


class LeaderboardQuery(forms.Form):
    stage = forms.ChoiceField(choices=[("", "any"), *Stage.choices], required=False)
    team = forms.CharField(required=False, max_length=120)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_TOP)


class Leaderboard(generics.GenericAPIView):
    serializer_class = s.LeaderboardSerializer
    filter_backends = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("stage", OpenApiTypes.STR, enum=Stage.values),
            OpenApiParameter("team", OpenApiTypes.STR, description="Owning team's slug."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"Top N rows (default {TOP}, max {MAX_TOP})."
            ),
        ]
    )
    def get(self, request, slug: str):
        """The latest result of every version on the benchmark, best first (ties share a rank).

        A leaderboard is read from the top, so it answers the top ``limit`` rows in one query.
        """
        benchmark = benchmark_or_404(slug)
        query = LeaderboardQuery(request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        stage, slug, limit = (query.cleaned_data[k] for k in ("stage", "team", "limit"))
        team = Team.objects.filter(slug=slug).first() if slug else None
        rows = []
        if team is not None or not slug:
            rows = list(leaderboard(benchmark, stage=stage or None, team=team)[: limit or TOP])
        return Response(s.LeaderboardSerializer({"benchmark": benchmark, "results": rows}).data)
