"""Experiments, their runs and metric logging, for training pipelines.

The tracking services do not check who acts, so these views do: members of the experiment's
team (directly or embedded) and ML leads write; everyone reads.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from mlteam.api import filters, selectors
from mlteam.api.serializers import tracking as s
from mlteam.api.views.common import acting_member
from mlteam.kernel.errors import InvalidInput, NotFound
from mlteam.roster.models import Team
from mlteam.tracking.models import Experiment, Run
from mlteam.tracking.services import experiment_create, run_finish, run_log_metrics, run_start


def experiment_or_404(pk: int) -> Experiment:
    experiment = selectors.experiments_for_api().filter(pk=pk).first()
    if experiment is None:
        raise NotFound("not_found", f"There is no experiment #{pk}.")
    return experiment


def run_or_404(pk: int) -> Run:
    run = selectors.runs_for_api().filter(pk=pk).first()
    if run is None:
        raise NotFound("not_found", f"There is no run #{pk}.")
    return run


class ExperimentList(generics.ListAPIView):
    serializer_class = s.ExperimentSerializer
    filterset_class = filters.ExperimentFilter
    ordering_fields = ["created_at", "name"]
    ordering = "-created_at"

    def get_queryset(self):
        return selectors.experiments_for_api()

    @extend_schema(request=s.ExperimentCreateSerializer, responses={201: s.ExperimentSerializer})
    def post(self, request):
        """Start an experiment for a team you work in."""
        data = s.ExperimentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        team = Team.objects.filter(slug=values["team"]).first()
        if team is None:
            raise InvalidInput("unknown_team", f"There is no team '{values['team']}'.")
        experiment = experiment_create(
            name=values["name"],
            team=team,
            owner=acting_member(request),
            hypothesis=values["hypothesis"],
            description=values["description"],
        )
        return Response(s.ExperimentSerializer(experiment_or_404(experiment.pk)).data, status=201)


class ExperimentDetail(generics.GenericAPIView):
    serializer_class = s.ExperimentSerializer

    def get(self, request, pk: int):
        return Response(s.ExperimentSerializer(experiment_or_404(pk)).data)


class RunList(generics.ListAPIView):
    """The runs of one experiment, newest first."""

    serializer_class = s.RunSerializer
    filterset_class = filters.RunFilter
    ordering_fields = ["started_at"]
    ordering = "-started_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        return selectors.runs_for_api().filter(experiment=experiment_or_404(self.kwargs["pk"]))

    @extend_schema(request=s.RunStartSerializer, responses={201: s.RunSerializer})
    def post(self, request, pk: int):
        """Start a run (status running) in the experiment."""
        experiment = experiment_or_404(pk)
        data = s.RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = run_start(experiment=experiment, actor=acting_member(request), **data.validated_data)
        return Response(s.RunSerializer(run_or_404(run.pk)).data, status=201)


class RunDetail(generics.GenericAPIView):
    serializer_class = s.RunSerializer

    def get(self, request, pk: int):
        return Response(s.RunSerializer(run_or_404(pk)).data)


class RunMetricList(generics.ListAPIView):
    """Logged metric values of a run, by key and step."""

    serializer_class = s.RunMetricSerializer
    filterset_class = filters.RunMetricFilter
    ordering_fields = ["id", "step"]
    ordering = "id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        return selectors.run_metrics_for_api(run_or_404(self.kwargs["pk"]))

    @extend_schema(request=s.MetricLogSerializer, responses={201: s.MetricLogResultSerializer})
    def post(self, request, pk: int):
        """Log ``(step, value)`` points of one metric; each step is logged once per key."""
        run = run_or_404(pk)
        data = s.MetricLogSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = data.validated_data["key"]
        points = [(p["step"], p["value"]) for p in data.validated_data["points"]]
        rows = run_log_metrics(run=run, key=key, values=points, actor=acting_member(request))
        body = {"run": run.pk, "key": key, "logged": rows}
        return Response(s.MetricLogResultSerializer(body).data, status=201)


class RunFinish(generics.GenericAPIView):
    serializer_class = s.RunFinishSerializer

    @extend_schema(request=s.RunFinishSerializer, responses={200: s.RunSerializer})
    def post(self, request, pk: int):
        """Mark a running run finished, failed or killed."""
        run = run_or_404(pk)
        data = s.RunFinishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run_finish(run=run, actor=acting_member(request), status=data.validated_data["status"])
        return Response(s.RunSerializer(run_or_404(pk)).data)
